"""A site supervisor chooses several photos on a phone, on the record's page; each shows its
own progress and the server's verdict, a disguised file is refused with its reason, and
nothing is lost."""

import pytest
from playwright.sync_api import expect

from inspections import services
from inspections.models import Photo
from jobs.engine import run_queued
from tests.browser import MARKS
from tests.conftest import PASSWORD
from tests.inspections.photos import jpeg
from tests.pages import assert_page_ok, phone

pytestmark = MARKS


def test_three_photos_at_once_two_stored_and_a_disguised_one_refused(
    live_server, browser, project, tree, alice
):
    lot = tree["lot"]
    record = f"{live_server.url}/projects/{project.pk}/acceptance-records/{lot.pk}/"
    page = phone(browser, live_server, alice)
    # The photos page of old is now the photos section of the record's page.
    page.goto(record + "photos/")
    page.wait_for_url(record + "#photos")
    assert_page_ok(page)
    assert page.locator("#no-photos").count() == 1

    first = jpeg((800, 600))
    page.set_input_files(
        "#files",
        [
            {"name": "rebar-1.jpg", "mimeType": "image/jpeg", "buffer": first},
            {"name": "rebar-2.jpg", "mimeType": "image/jpeg", "buffer": jpeg((640, 480))},
            {"name": "invoice.jpg", "mimeType": "image/jpeg", "buffer": b"%PDF-1.4 not a photo"},
        ],
    )
    # Locator waits: a string predicate (wait_for_function) is eval, which the policy forbids.
    expect(page.locator("#uploads .file[data-status]")).to_have_count(3, timeout=30000)
    rows = {
        page.locator("#uploads .file").nth(i).locator(".name").inner_text(): page.locator(
            "#uploads .file"
        ).nth(i)
        for i in range(3)
    }
    assert rows["rebar-1.jpg"].get_attribute("data-status") == "accepted"
    assert rows["rebar-2.jpg"].get_attribute("data-status") == "accepted"
    refused = rows["invoice.jpg"]
    assert refused.get_attribute("data-status") == "refused"
    assert refused.locator(".verdict").inner_text().startswith("已拒收")
    assert refused.locator("progress").get_attribute("value") == "1"
    # The previews are the job's: until it ran the list says "preview coming".
    expect(page.locator("#photo-list .photo-pending")).to_have_count(2)
    assert run_queued() == 2
    page.reload()
    assert page.locator("#photo-list img").count() == 2
    # The thumbnails came from the object store, which the Content-Security-Policy allows.
    for _ in range(100):
        loaded = "imgs => imgs.every(i => i.complete && i.naturalWidth > 0)"
        if page.eval_on_selector_all("#photo-list img", loaded):
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail("the thumbnails did not load")
    assert Photo.objects.filter(project=project).count() == 2

    # Choosing the same photo again is recognised, not stored twice.
    page.set_input_files(
        "#files", [{"name": "again.jpg", "mimeType": "image/jpeg", "buffer": first}]
    )
    # (The page was reloaded above: this is the only upload it lists.)
    expect(page.locator("#uploads .file[data-status]")).to_have_count(1, timeout=30000)
    assert page.locator("#uploads .file").nth(0).get_attribute("data-status") == "duplicate"
    assert Photo.objects.filter(project=project).count() == 2
    assert_page_ok(page)


def test_a_reader_sees_the_photos_but_no_upload_form(client, project, tree, olga):
    client.force_login(olga)
    page = client.get(f"/projects/{project.pk}/acceptance-records/{tree['lot'].pk}/")
    assert page.status_code == 200
    assert 'id="photo-list"' in page.content.decode()
    assert 'id="upload-form"' not in page.content.decode()
    client.force_login(tree["lot"].created_by)
    assert (
        client.get(f"/projects/{project.pk}/acceptance-records/999999/photos/").status_code == 404
    )


def test_an_accepted_record_offers_no_upload_form(client, project, tree, alice, quinn):
    lot = services.record_submit(record=tree["lot"], actor=alice)
    for signer in (alice, quinn):
        services.record_sign(record=lot, user=signer, password=PASSWORD)
    services.record_accept(record=lot, actor=alice)
    client.force_login(alice)
    page = client.get(f"/projects/{project.pk}/acceptance-records/{lot.pk}/").content.decode()
    assert 'id="upload-form"' not in page
    assert 'id="no-upload"' in page
