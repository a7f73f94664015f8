"""The site supervisor's phone without signal, in a real browser (chromium, network switched
off and on with ``context.set_offline``): photos, a delivery with its label photo, the queue
surviving a reload, sending itself when the connection returns — each item stored once, with
the hash the phone computed matched — a refusal offered for another record, a corrupted
photo refused, a lost answer retried without a second record, and a new release's service
worker replacing the cached files without losing the queue."""

import hashlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from capture.models import DeviceClaim, IdempotencyKey
from inspections import services as inspection_services
from inspections.models import Photo
from materials.models import Delivery, DeliveryPhoto
from storage import gateway
from storage.models import StoredObject
from tests.browser import MARKS
from tests.conftest import PASSWORD
from tests.inspections.photos import jpeg
from tests.pages import assert_page_ok, phone, screenshot

pytestmark = MARKS

CONTROLLED = "async () => { await navigator.serviceWorker.ready; return true; }"
KEPT = "async (url) => Boolean(await caches.match(url))"
QUEUED = """async () => {
  const items = await LQAQueue.all();
  return items.map(i => ({state: i.state, kind: i.kind, reason: i.reason || ''}));
}"""
CORRUPT = """async () => {
  const [item] = await LQAQueue.all();
  const bytes = new Uint8Array(await item.files[0].blob.arrayBuffer());
  bytes[bytes.length - 3] ^= 0xff;
  item.files[0].blob = new Blob([bytes], {type: 'image/jpeg'});
  await LQAQueue.put(item);
  return item.files[0].sha256;
}"""


def online_once(page, url):
    """Open ``url`` online and wait until the service worker has kept it for offline use."""
    page.goto(url)
    page.evaluate(CONTROLLED)
    for _ in range(100):
        if page.evaluate(KEPT, url):
            return
        page.wait_for_timeout(100)
    pytest.fail(f"{url} was not kept for offline use")


def queued(page, expected):
    """The queue on the phone, once it is ``expected`` (it is sent in the background)."""
    for _ in range(100):
        items = page.evaluate(QUEUED)
        if items == expected:
            return
        page.wait_for_timeout(100)
    assert items == expected


def photos(*sizes):
    return [
        {"name": f"IMG_{i}.jpg", "mimeType": "image/jpeg", "buffer": jpeg(size)}
        for i, size in enumerate(sizes)
    ]


def badge(page):
    return page.locator("#queue-badge .count")


def test_photos_and_a_delivery_taken_offline_survive_a_reload_and_are_stored_once_online(
    live_server, browser, project, tree, floor, alice, cable_batch, contractor_person
):
    lot = tree["lot"]
    inspection_services.record_update(record=lot, actor=alice, locations=[floor])
    capture = f"{live_server.url}/projects/{project.pk}/locations/{floor.pk}/capture/"
    page = phone(browser, live_server, alice)
    online_once(page, capture)
    assert_page_ok(page)

    page.context.set_offline(True)
    expect(page.locator("#id_record")).to_have_value("")
    page.select_option("#id_record", str(lot.pk))
    shots = photos((800, 600), (640, 480), (480, 640))
    page.set_input_files("#photos", shots)
    page.click("#add")
    expect(badge(page)).to_have_text("3")

    page.select_option("#id_kind", "delivery")
    expect(page.locator("#id_record")).to_be_hidden()
    page.select_option("#id_batch", str(cable_batch.pk))
    page.fill("#id_quantity", "500")
    page.select_option("#id_unit", cable_batch.category.unit)
    page.select_option("#id_inspected_by", str(contractor_person.pk))
    page.set_input_files("#photos", photos((640, 480)))
    page.click("#add")
    expect(badge(page)).to_have_text("4")
    screenshot(page, "capture-offline")

    # Offline, the page opens again from the phone, and so does the queue, all of it there.
    page.reload()
    expect(page.locator("h1")).to_have_text("现场采集")
    expect(badge(page)).to_have_text("4")
    page.click("#queue-badge")
    expect(page.locator("#queue-list li")).to_have_count(4)
    expect(page.locator('#queue-list li[data-state="waiting"]')).to_have_count(4)
    expect(page.locator("#queue-list")).to_contain_text("IMG_0.jpg · SHA-256 ")
    assert_page_ok(page)
    screenshot(page, "capture-queue-offline")
    assert not Photo.objects.exists()
    assert not Delivery.objects.exists()

    page.context.set_offline(False)  # the "online" event sends the queue
    expect(page.locator('#queue-list li[data-state="stored"]')).to_have_count(4, timeout=30000)
    expect(page.locator("#queue-empty")).to_be_visible()
    expect(page.locator("#queue-badge")).to_be_hidden()
    queued(page, [])
    screenshot(page, "capture-queue-sent")

    stored = Photo.objects.filter(subject_id=lot.pk)
    assert sorted(p.original.sha256 for p in stored) == sorted(
        hashlib.sha256(s["buffer"]).hexdigest() for s in shots
    )
    assert all(p.location == floor for p in stored)
    delivery = Delivery.objects.get()
    assert delivery.quantity == 500
    assert delivery.delivered_on == timezone.localdate()
    assert DeliveryPhoto.objects.get(delivery=delivery).kind == "label"
    claims = DeviceClaim.objects.all()
    assert claims.count() == 5  # three photos, the delivery and its label photo
    assert all(c.sha256_matched for c in claims if c.claimed_sha256)
    assert all(c.device_captured_at <= c.received_at for c in claims)
    assert IdempotencyKey.objects.count() == 4


def test_a_photo_for_a_lot_accepted_meanwhile_is_refused_and_sent_to_another_record(
    live_server, browser, project, tree, alice, quinn
):
    lot, sub_item = tree["lot"], tree["sub_item"]
    capture = f"{live_server.url}/projects/{project.pk}/capture/"
    queue = f"{live_server.url}/capture/queue/"
    page = phone(browser, live_server, alice)
    online_once(page, capture)
    online_once(page, queue)
    page.goto(capture)

    page.context.set_offline(True)
    page.select_option("#id_record", str(lot.pk))
    page.set_input_files("#photos", photos((640, 480)))
    page.click("#add")
    expect(badge(page)).to_have_text("1")
    page.goto(queue)

    # Someone else accepts the lot while the phone is in the basement.
    inspection_services.record_submit(record=lot, actor=alice)
    for signer in (alice, quinn):
        inspection_services.record_sign(record=lot, user=signer, password=PASSWORD)
    inspection_services.record_accept(record=lot, actor=alice)

    page.context.set_offline(False)
    refused = page.locator('#queue-list li[data-state="refused"]')
    expect(refused).to_have_count(1, timeout=30000)
    expect(refused.locator(".reason")).to_contain_text("已验收")
    expect(badge(page)).to_have_text("1")
    assert_page_ok(page)
    screenshot(page, "capture-queue-refused")
    assert not Photo.objects.exists()

    refused.locator("select.other").select_option(str(sub_item.pk))
    refused.locator("button.send-to").click()
    expect(page.locator('#queue-list li[data-state="stored"]')).to_have_count(1, timeout=30000)
    expect(page.locator("#queue-badge")).to_be_hidden()
    assert Photo.objects.get().subject_id == sub_item.pk
    assert DeviceClaim.objects.get().subject == Photo.objects.get()


def test_a_photo_changed_on_the_phone_before_sending_is_refused_and_nothing_is_stored(
    live_server, browser, project, tree, alice
):
    capture = f"{live_server.url}/projects/{project.pk}/capture/"
    page = phone(browser, live_server, alice)
    online_once(page, capture)
    page.context.set_offline(True)
    page.select_option("#id_record", str(tree["lot"].pk))
    shot = photos((640, 480))
    page.set_input_files("#photos", shot)
    page.click("#add")
    expect(badge(page)).to_have_text("1")
    # The phone's copy is damaged; the hash it took when the photo was taken is not.
    assert page.evaluate(CORRUPT) == hashlib.sha256(shot[0]["buffer"]).hexdigest()
    objects = StoredObject.objects.count()

    page.goto(f"{live_server.url}/capture/queue/")
    page.context.set_offline(False)
    page.click("#send-now")
    refused = page.locator('#queue-list li[data-state="refused"]')
    expect(refused).to_have_count(1, timeout=30000)
    expect(refused.locator(".reason")).to_contain_text("SHA-256")
    expect(refused.locator("select.other")).to_have_count(0)  # the bytes are bad anywhere
    assert StoredObject.objects.count() == objects
    assert not Photo.objects.exists()
    assert not DeviceClaim.objects.exists()

    page.on("dialog", lambda dialog: dialog.accept())
    refused.locator("button.discard").click()
    expect(page.locator("#queue-empty")).to_be_visible()
    queued(page, [])


def test_a_retry_after_a_lost_answer_makes_no_second_record(
    live_server, browser, project, tree, alice
):
    capture = f"{live_server.url}/projects/{project.pk}/capture/"
    page = phone(browser, live_server, alice)
    online_once(page, capture)
    dropped = []

    def drop_the_first_answer(route):
        if dropped:
            route.continue_()
            return
        route.fetch()  # the server receives it, stores the photo and answers…
        dropped.append(route.request.headers["idempotency-key"])
        route.abort("connectionreset")  # …and the answer is lost on the way back

    page.route("**/captures/", drop_the_first_answer)
    page.select_option("#id_record", str(tree["lot"].pk))
    page.set_input_files("#photos", photos((640, 480)))
    page.click("#add")
    for _ in range(100):
        if dropped:
            break
        page.wait_for_timeout(100)
    assert Photo.objects.count() == 1  # stored, though the phone was not told

    # The phone sends the item again (Background Sync, or the next page open), with the
    # same key: the archive answers as it did the first time, and makes nothing new.
    page.goto(f"{live_server.url}/capture/queue/")
    queued(page, [])
    expect(page.locator("#queue-badge")).to_be_hidden()
    assert Photo.objects.count() == 1
    assert DeviceClaim.objects.get().idempotency_key == dropped[0]
    assert IdempotencyKey.objects.get().key == dropped[0]


def test_a_new_release_replaces_the_cached_files_and_the_queue_is_kept(
    live_server, browser, project, tree, alice, settings, s3_server
):
    settings.CAPTURE_RELEASE = "release-1"
    capture = f"{live_server.url}/projects/{project.pk}/capture/"
    page = phone(browser, live_server, alice)
    online_once(page, capture)
    keys = "async () => await caches.keys()"
    assert "lqa-static-release-1" in page.evaluate(keys)

    page.context.set_offline(True)
    page.select_option("#id_record", str(tree["lot"].pk))
    page.set_input_files("#photos", photos((640, 480)))
    page.click("#add")
    expect(badge(page)).to_have_text("1")

    # The next release is deployed while the file store is down (so the item cannot be
    # stored yet); the phone comes online and opens a page: the new worker takes over.
    settings.CAPTURE_RELEASE = "release-2"
    s3_server.stop()
    gateway.reset()
    try:
        page.context.set_offline(False)
        page.goto(capture)
        for _ in range(100):
            caches = page.evaluate(keys)
            if "lqa-static-release-2" in caches and "lqa-static-release-1" not in caches:
                break
            page.wait_for_timeout(100)
        else:
            pytest.fail(f"the new release did not replace the old one's files: {caches}")
        for _ in range(100):
            items = page.evaluate(QUEUED)
            if items[0]["state"] == "waiting" and items[0]["reason"]:
                break  # sent and answered 503: still waiting, with the reason
            page.wait_for_timeout(100)
        assert items[0]["state"] == "waiting", items
        expect(badge(page)).to_have_text("1")
        assert not Photo.objects.exists()
    finally:
        s3_server.start()
        gateway.reset()

    page.goto(f"{live_server.url}/capture/queue/")
    expect(page.locator('#queue-list li[data-state="stored"]')).to_have_count(1, timeout=30000)
    assert Photo.objects.count() == 1
