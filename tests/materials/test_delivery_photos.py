"""Delivery photos take the one evidence-photo path: derived copies, EXIF and flags."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from jobs.engine import run_queued
from ledger.canonical import record_hash
from ledger.models import LedgerEntry
from materials.models import DeliveryPhoto
from storage.models import StoredObject
from storage.selectors import object_read_bytes
from tests.inspections import photos
from tests.materials.conftest import DAY, deliver, named
from tests.storage.samples import png_bomb


def photos_url(project, delivery) -> str:
    return f"/api/v1/projects/{project.pk}/deliveries/{delivery.pk}/photos/"


@pytest.fixture
def delivery(project, cable_batch, contractor_person, leo):
    return deliver(project, cable_batch, contractor_person, leo)


def test_a_label_photo_gets_a_preview_a_thumbnail_its_exif_and_flags(
    api_as, project, delivery, settings
):
    # Taken on the site but two months after the delivery: flagged, not refused.
    content = photos.jpeg(size=(1600, 1200), taken="2025:06:10 09:30:00")
    response = api_as("leo").post(
        photos_url(project, delivery),
        {"photo_of": "label", "file": named(content, "label.jpg")},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["width"], body["height"]) == (1600, 1200)
    assert body["captured_at"] == "2025-06-10T09:30:00+08:00"
    assert body["captured_offset"] == "+08:00"
    assert body["camera_make"] == "HUAWEI"
    assert body["latitude"] == "30.188512"
    assert body["distance_from_site_m"] < 10
    assert body["flags"] == ["captured_far_from_date"]
    assert body["original_name"] == "label.jpg"
    assert body["downloads"]["preview"] is None  # made by the preview job, after the answer
    assert run_queued() == 1
    body = api_as("leo").get(photos_url(project, delivery)).json()["results"][0]
    photo = DeliveryPhoto.objects.get()
    # The ledger entry covers the new columns, as the row reads back (the job's update).
    entry = LedgerEntry.objects.filter(
        record_type="materials.deliveryphoto", record_id=str(photo.pk)
    ).latest("index")
    assert entry.action == "update"
    assert entry.content_hash == record_hash(photo)
    assert photo.ledger_content()["flags"] == ["captured_far_from_date"]
    assert object_read_bytes(obj=photo.stored_object) == content
    assert photo.stored_object.is_archival
    for derived, longest in (
        (photo.preview, settings.PHOTO_PREVIEW_PIXELS),
        (photo.thumbnail, settings.PHOTO_THUMBNAIL_PIXELS),
    ):
        assert not derived.is_archival
        image = Image.open(io.BytesIO(object_read_bytes(obj=derived)))
        assert max(image.size) == longest
        assert len(image.getexif()) == 0
    # Every variant downloads (a redirect) for someone who sees the project.
    for variant in ("original", "preview", "thumbnail"):
        link = body["downloads"][variant]
        assert link.endswith(f"/photos/{photo.pk}/{variant}/")
        assert api_as("reggie").get(link).status_code == 302
    assert api_as("reggie").get(body["download"]).status_code == 302
    assert api_as("charlie").get(body["downloads"]["preview"]).status_code == 404
    listed = api_as("reggie").get(photos_url(project, delivery)).json()["results"]
    assert listed[0]["downloads"] == body["downloads"]


def test_a_delivery_note_photo_taken_on_the_day_is_not_flagged(api_as, project, delivery):
    content = photos.jpeg(taken=DAY.strftime("%Y:%m:%d 10:00:00"))
    response = api_as("leo").post(
        photos_url(project, delivery),
        {"photo_of": "delivery_note", "file": named(content, "note.jpg")},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response.json()["flags"] == []


def test_an_unknown_download_variant_is_not_found(api_as, project, delivery):
    api_as("leo").post(
        photos_url(project, delivery),
        {"photo_of": "label", "file": named(photos.jpeg(), "label.jpg")},
        format="multipart",
    )
    photo = DeliveryPhoto.objects.get()

    response = api_as("leo").get(f"{photos_url(project, delivery)}{photo.pk}/delivery/")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (png_bomb(), "label.png", "million pixels"),
        (b"%PDF-1.4 not a photo at all" * 10, "label.jpg", "not a JPEG image"),
        (photos.jpeg()[:2000], "label.jpg", "damaged or incomplete"),
    ],
    ids=["decompression-bomb", "disguised", "truncated"],
)
def test_a_file_that_is_not_a_good_photo_is_refused_and_nothing_is_stored(
    api_as, project, delivery, content, name, message
):
    client = api_as("leo")
    objects, entries = StoredObject.objects.count(), LedgerEntry.objects.count()

    response = client.post(
        photos_url(project, delivery),
        {"photo_of": "label", "file": named(content, name)},
        format="multipart",
    )

    assert response.status_code == 400, response.content
    assert message in str(response.json())
    assert not DeliveryPhoto.objects.exists()
    assert StoredObject.objects.count() == objects
    assert LedgerEntry.objects.count() == entries


def test_an_older_delivery_photo_keeps_its_hash_and_has_no_derived_links(
    project, delivery, leo, api_as
):
    # Stored before delivery photos had derived copies: the new columns are empty, left out
    # of the record's hash, and the links to copies never made are null.
    from ledger.services import ledgered_save
    from storage.services import object_store

    stored = object_store(fileobj=named(photos.jpeg(), "old.jpg"), user=leo, archival=True)
    photo = DeliveryPhoto(delivery=delivery, kind="label", stored_object=stored, uploaded_by=leo)
    ledgered_save(photo, action="create", actor=leo)
    photo.refresh_from_db()

    assert "preview_id" not in photo.ledger_content()
    assert "flags" not in photo.ledger_content()
    entry = LedgerEntry.objects.get(record_type="materials.deliveryphoto", record_id=str(photo.pk))
    assert entry.content_hash == record_hash(photo)
    body = api_as("leo").get(photos_url(project, delivery)).json()["results"][0]
    assert body["downloads"]["preview"] is None
    assert body["flags"] is None
    assert api_as("leo").get(body["downloads"]["original"]).status_code == 302
    preview = f"{photos_url(project, delivery)}{photo.pk}/preview/"
    assert api_as("leo").get(preview).status_code == 404
