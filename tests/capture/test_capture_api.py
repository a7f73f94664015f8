"""What the capture endpoint does with an item of a phone's offline queue: the record it
makes, the device's claims kept beside the server's measurements, a hash mismatch refused
with nothing stored, and a retry with the same Idempotency-Key answered without a second
record."""

import datetime
import hashlib
import io
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from capture.models import DeviceClaim, IdempotencyKey
from inspections.models import AcceptanceRecord, Photo
from jobs.engine import run_queued
from ledger.models import LedgerEntry
from materials.models import Delivery, DeliveryPhoto, Sample
from storage.models import StoredObject
from tests.inspections.photos import jpeg

pytestmark = pytest.mark.django_db


def client_for(user):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def upload(data: bytes, name="photo.jpg"):
    f = io.BytesIO(data)
    f.name = name
    return f


def send(api, project, key=None, *, data=None, files=(), sha256=None, **fields):
    body = {**fields}
    if files:
        body["files"] = [upload(f, f"p{i}.jpg") for i, f in enumerate(files)]
        body["sha256"] = sha256 or [hashlib.sha256(f).hexdigest() for f in files]
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(f"/api/v1/projects/{project.pk}/captures/", body, format="multipart", **headers)


def test_a_photo_is_stored_with_the_phones_claims_beside_the_servers_measurements(
    project, tree, alice
):
    photo = jpeg((320, 240))
    taken = timezone.now() - datetime.timedelta(hours=1)
    answer = send(
        client_for(alice),
        project,
        str(uuid.uuid4()),
        files=[photo],
        kind="record_photo",
        record=tree["lot"].pk,
        captured_at=taken.isoformat(),
        latitude="30.188512",
        longitude="120.201436",
        accuracy="8",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["status"] == "stored"
    assert body["url"].endswith(f"/acceptance-records/{tree['lot'].pk}/#photos")
    stored = Photo.objects.get(subject_id=tree["lot"].pk)
    claim = DeviceClaim.objects.get()
    assert claim.subject == stored
    assert claim.claimed_sha256 == claim.received_sha256 == hashlib.sha256(photo).hexdigest()
    assert claim.sha256_matched is True
    assert abs(claim.device_captured_at - taken) < datetime.timedelta(seconds=1)
    assert claim.received_at >= claim.device_captured_at
    assert str(claim.latitude) == "30.188512"
    assert claim.position_accuracy_m == 8
    assert claim.long_delay is False
    assert "received_long_after_capture" not in stored.flags
    assert LedgerEntry.objects.filter(record_type="capture.deviceclaim").count() == 1
    assert body["claims"][0]["sha256_matched"] is True


def test_a_retry_after_a_lost_answer_gets_the_same_answer_and_makes_no_second_record(
    project, tree, alice
):
    api, key, photo = client_for(alice), str(uuid.uuid4()), jpeg((320, 240))
    first = send(api, project, key, files=[photo], kind="record_photo", record=tree["lot"].pk)
    again = send(api, project, key, files=[photo], kind="record_photo", record=tree["lot"].pk)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Photo.objects.count() == 1
    assert DeviceClaim.objects.count() == 1
    # The same key for another item is a mistake of the phone's, said as such.
    other = send(
        api, project, key, files=[jpeg((64, 48))], kind="record_photo", record=tree["lot"].pk
    )
    assert other.status_code == 422
    assert "already used for another item" in other.json()["detail"]


def test_bytes_that_do_not_match_the_phones_hash_are_refused_and_nothing_is_stored(
    project, tree, alice
):
    photo = jpeg((320, 240))
    objects = StoredObject.objects.count()
    answer = send(
        client_for(alice),
        project,
        str(uuid.uuid4()),
        files=[photo],
        sha256=[hashlib.sha256(photo + b"x").hexdigest()],
        kind="record_photo",
        record=tree["lot"].pk,
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["refused"] is True
    assert body["code"] == "sha256_mismatch"
    assert "arrived different from what the phone recorded" in body["detail"]
    assert StoredObject.objects.count() == objects
    assert not Photo.objects.exists()
    assert not DeviceClaim.objects.exists()


def test_a_photo_for_a_record_accepted_meanwhile_is_refused_with_the_reason(project, tree, alice):
    AcceptanceRecord.objects.filter(pk=tree["lot"].pk).update(state="accepted")
    answer = send(
        client_for(alice),
        project,
        str(uuid.uuid4()),
        files=[jpeg((320, 240))],
        kind="record_photo",
        record=tree["lot"].pk,
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "accepted"
    assert "has been accepted" in answer.json()["detail"]
    assert not Photo.objects.exists()
    assert not DeviceClaim.objects.exists()


def test_a_photo_received_long_after_it_was_taken_is_flagged(project, tree, alice, settings):
    settings.CAPTURE_LONG_DELAY_HOURS = 48
    taken = timezone.now() - datetime.timedelta(days=3)
    answer = send(
        client_for(alice),
        project,
        str(uuid.uuid4()),
        files=[jpeg((320, 240))],
        kind="record_photo",
        record=tree["lot"].pk,
        captured_at=taken.isoformat(),
    )
    assert answer.status_code == 201
    assert "received_long_after_capture" in Photo.objects.get().flags
    assert DeviceClaim.objects.get().long_delay is True


def test_a_delivery_arrives_with_its_label_photo_and_a_sample_and_a_note_follow(
    project, tree, alice, cable_batch, contractor_person, lab
):
    api = client_for(alice)
    label = jpeg((320, 240))
    arrival = send(
        api,
        project,
        str(uuid.uuid4()),
        files=[label],
        kind="delivery",
        batch=cable_batch.pk,
        quantity="500",
        unit=cable_batch.category.unit,
        delivered_on=timezone.localdate().isoformat(),
        inspected_by=contractor_person.pk,
    )
    assert arrival.status_code == 201, arrival.json()
    delivery = Delivery.objects.get()
    assert DeliveryPhoto.objects.get().delivery == delivery
    assert DeliveryPhoto.objects.get().kind == "label"
    assert {c.subject for c in DeviceClaim.objects.all()} == {delivery, DeliveryPhoto.objects.get()}

    sample = send(
        api,
        project,
        str(uuid.uuid4()),
        kind="sample",
        delivery=delivery.pk,
        seal_number="F-0042",
        sampling_location="3号楼 east gate",
        sampled_on=timezone.localdate().isoformat(),
        sampler=contractor_person.pk,
        testing_lab=lab.pk,
    )
    assert sample.status_code == 201, sample.json()
    assert Sample.objects.get().seal_number == "F-0042"

    note = send(
        api,
        project,
        str(uuid.uuid4()),
        kind="self_check",
        record=tree["lot"].pk,
        note="柱筋间距复核合格",
    )
    assert note.status_code == 201, note.json()
    tree["lot"].refresh_from_db()
    assert tree["lot"].result.endswith("柱筋间距复核合格")


@pytest.mark.parametrize(
    ("who", "status"),
    [("charlie", 404), ("olga", 403)],
)
def test_an_outsider_or_a_reader_is_refused_and_nothing_is_written(
    project, tree, actors, who, status
):
    answer = send(
        client_for(actors[who]),
        project,
        str(uuid.uuid4()),
        files=[jpeg((64, 48))],
        kind="record_photo",
        record=tree["lot"].pk,
    )
    assert answer.status_code == status
    assert answer.json()["refused"] is True
    assert not Photo.objects.exists()
    assert not DeviceClaim.objects.exists()


def test_an_item_without_an_idempotency_key_is_refused(project, tree, alice):
    answer = send(
        client_for(alice),
        project,
        files=[jpeg((64, 48))],
        kind="record_photo",
        record=tree["lot"].pk,
    )
    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()["detail"]
    assert not IdempotencyKey.objects.exists()
    assert not Photo.objects.exists()


def test_the_records_photo_list_flags_a_photo_received_long_after_it_was_taken(
    client, project, tree, alice
):
    lot = tree["lot"]
    for days, name in ((3, "late.jpg"), (0, "fresh.jpg")):
        taken = timezone.now() - datetime.timedelta(days=days, minutes=5)
        answer = send(
            client_for(alice),
            project,
            str(uuid.uuid4()),
            files=[jpeg((320, 240 + days))],
            kind="record_photo",
            record=lot.pk,
            caption=name,
            captured_at=taken.isoformat(),
        )
        assert answer.status_code == 201
    run_queued()  # the preview job: the list shows thumbnails with their alt text
    client.force_login(alice)
    page = client.get(f"/projects/{project.pk}/acceptance-records/{lot.pk}/").content.decode()
    assert page.count("手机拍摄后很久才收到") == 1
    late = page.index('alt="late.jpg"')
    assert page.index("手机拍摄后很久才收到") > late
    assert page.index('alt="fresh.jpg"') > page.index("手机拍摄后很久才收到")


def test_the_project_page_offers_capture_to_those_who_record_and_not_to_readers(
    client, project, alice, olga
):
    capture = f'href="/projects/{project.pk}/capture/"'
    client.force_login(alice)
    assert capture in client.get(f"/projects/{project.pk}/").content.decode()
    assert client.get(f"/projects/{project.pk}/capture/").status_code == 200
    client.force_login(olga)
    assert capture not in client.get(f"/projects/{project.pk}/").content.decode()
    assert client.get(f"/projects/{project.pk}/capture/").status_code == 403


def test_the_service_worker_and_manifest_are_served_for_the_whole_site(client, settings):
    settings.CAPTURE_RELEASE = "2026.12.1"
    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert "no-cache" in worker["Cache-Control"]
    text = worker.content.decode()
    assert 'var VERSION = "2026.12.1"' in text
    assert '"/static/vendor/htmx/htmx.min.js"' in text
    assert "/static/admin/" not in text  # only what the site's own pages load
    manifest = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert manifest["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}


def test_an_item_captured_by_another_user_on_a_shared_phone_waits_for_them(
    project, tree, alice, quinn
):
    item = {"files": [jpeg((64, 48))], "kind": "record_photo", "record": tree["lot"].pk}
    key = str(uuid.uuid4())
    answer = send(client_for(quinn), project, key, captured_by=str(alice.pk), **item)
    assert answer.status_code == 409
    assert "refused" not in answer.json()  # not refused: it waits for alice
    assert not Photo.objects.exists()
    assert not IdempotencyKey.objects.exists()
    answer = send(client_for(alice), project, key, captured_by=str(alice.pk), **item)
    assert answer.status_code == 201
    assert Photo.objects.get().uploaded_by == alice
