"""Evidence photos: originals untouched, EXIF read defensively, derived copies, flags."""

import hashlib
import io
import threading
import urllib.request

import pytest
from django.conf import settings
from django.db import connection
from PIL import Image

from inspections import services
from inspections.models import Photo
from jobs.engine import run_queued
from ledger.models import LedgerEntry
from storage import gateway
from storage.errors import ObjectNotFound
from storage.models import StoredObject
from storage.photos import photo_previews_make
from storage.selectors import object_read_bytes
from storage.services import object_key
from tests.inspections import photos
from tests.inspections.conftest import url
from work.selectors import my_work


def upload(client, project, record, *files, **extra):
    return client.post(
        url(project, record, "photos"), {"files": list(files), **extra}, format="multipart"
    )


def test_a_site_supervisor_uploads_several_photos_and_exif_is_kept_beside_them(
    api_as, project, tree, floor
):
    first, second = photos.jpeg(), photos.heic()
    response = upload(
        api_as("alice"),
        project,
        tree["lot"],
        photos.named(first, "IMG_0001.jpg"),
        photos.named(second, "IMG_0002.HEIC"),
        caption="柱钢筋绑扎",
        location=floor.pk,
    )
    assert response.status_code == 201, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    photo = results[0]["photo"]
    assert photo["sha256"] == hashlib.sha256(first).hexdigest()
    assert photo["captured_at"] == "2025-06-10T09:30:00+08:00"
    assert photo["captured_offset"] == "+08:00"
    assert photo["latitude"] == "30.188512"
    assert photo["longitude"] == "120.201436"
    assert photo["gps_accuracy_m"] == 5.0
    assert (photo["camera_make"], photo["camera_model"]) == ("HUAWEI", "Mate 60 Pro")
    assert photo["flags"] == []
    assert photo["location"] == floor.pk
    assert photo["uploaded_by"] == "alice"
    assert results[1]["photo"]["content_type"] == "image/heic"
    stored = Photo.objects.get(pk=photo["id"])
    # The original is kept byte for byte, in the archive bucket under retention.
    assert object_read_bytes(obj=stored.original) == first
    assert stored.original.is_archival
    assert LedgerEntry.objects.filter(
        record_type="inspections.photo", record_id=str(stored.pk), action="create"
    ).exists()


def test_previews_and_thumbnails_are_upright_and_carry_no_exif(api_as, project, tree, settings):
    # Orientation 6: the camera was turned; the pixels are landscape, the scene portrait.
    content = photos.jpeg(size=(4000, 2000), orientation=6)
    client = api_as("alice")
    response = upload(client, project, tree["lot"], photos.named(content, "turned.jpg"))
    assert response.status_code == 201, response.content
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (4000, 2000)  # from the header, at receipt
    # The decode is the preview job's: until it ran there is no preview to link to.
    assert response.json()["results"][0]["photo"]["downloads"]["preview"] is None
    preview = f"/api/v1/projects/{project.pk}/photos/{photo.pk}/preview/"
    assert client.get(preview).status_code == 404
    assert run_queued() == 1
    photo.refresh_from_db()
    assert client.get(preview).status_code == 302
    assert LedgerEntry.objects.filter(
        record_type="inspections.photo", record_id=str(photo.pk), action="update"
    ).exists()
    sizes = (settings.PHOTO_PREVIEW_PIXELS, settings.PHOTO_THUMBNAIL_PIXELS)
    for derived, longest in zip((photo.preview, photo.thumbnail), sizes, strict=True):
        assert not derived.is_archival
        image = Image.open(io.BytesIO(object_read_bytes(obj=derived)))
        assert image.format == "JPEG"
        assert image.height > image.width
        assert max(image.size) == longest
        assert len(image.getexif()) == 0


def test_the_same_photo_twice_is_one_stored_object(api_as, project, tree):
    content = photos.jpeg()
    client = api_as("alice")
    upload(client, project, tree["lot"], photos.named(content, "a.jpg"))
    objects = StoredObject.objects.count()
    response = upload(client, project, tree["lot"], photos.named(content, "again.jpg"))
    assert response.status_code == 201
    assert response.json()["results"][0]["status"] == "duplicate"
    assert Photo.objects.count() == 1
    assert StoredObject.objects.count() == objects


def test_a_client_hash_that_does_not_match_is_refused(api_as, project, tree):
    content = photos.jpeg()
    response = upload(
        api_as("alice"), project, tree["lot"], photos.named(content, "a.jpg"), sha256="0" * 64
    )
    assert response.status_code == 400
    assert response.json()["results"][0]["status"] == "refused"
    assert not Photo.objects.exists()
    assert not StoredObject.objects.exists()
    matching = hashlib.sha256(content).hexdigest()
    response = upload(
        api_as("alice"), project, tree["lot"], photos.named(content, "a.jpg"), sha256=matching
    )
    assert response.status_code == 201


def test_photos_far_from_the_date_or_the_site_are_flagged_not_refused(api_as, project, tree):
    late = photos.jpeg(taken="2025:08:01 10:00:00")
    elsewhere = photos.jpeg(gps=(39.9042, 116.4074))  # Beijing
    response = upload(
        api_as("alice"),
        project,
        tree["lot"],
        photos.named(late, "late.jpg"),
        photos.named(elsewhere, "beijing.jpg"),
    )
    assert response.status_code == 201
    late_photo, far_photo = (r["photo"] for r in response.json()["results"])
    assert late_photo["flags"] == ["captured_far_from_date"]
    assert far_photo["flags"] == ["taken_far_from_site"]
    assert far_photo["distance_from_site_m"] > 1_000_000


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(photos.raw_exif_jpeg(photos.hostile_exif()), id="zero-denominators"),
        pytest.param(
            photos.jpeg(taken="2025-13-45 99:99", offset="+99:99", gps=(95.0, 500.0)),
            id="absurd-values",
        ),
        pytest.param(
            photos.jpeg(make=b"\xff\xfe\x00", model=12345, taken=b"\x00" * 40, gps=None),
            id="wrong-types",
        ),
        pytest.param(photos.png(), id="no-exif"),
    ],
)
def test_missing_broken_or_hostile_exif_never_fails_the_upload(api_as, project, tree, content):
    response = upload(api_as("alice"), project, tree["lot"], photos.named(content, "photo"))
    assert response.status_code == 201, response.content
    photo = response.json()["results"][0]["photo"]
    assert photo["latitude"] is None
    assert photo["captured_at"] is None


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.jpg", "empty"),
        (photos.jpeg()[:2000], "cut.jpg", "damaged or incomplete"),
        (photos.jpeg()[:-2], "no-end.jpg", "damaged or incomplete"),
        (photos.heic(size=(320, 240))[:-300], "cut.heic", "damaged or incomplete"),
        (b"%PDF-1.4 not a photo at all" * 10, "photo.jpg", "not"),
        (photos.bomb(), "bomb.png", "million pixels"),
    ],
    ids=["zero-bytes", "truncated", "no-eoi", "truncated-heic", "disguised", "decompression-bomb"],
)
def test_files_that_are_not_good_photos_are_refused_with_a_reason_and_nothing_stored(
    api_as, project, tree, content, name, message
):
    response = upload(api_as("alice"), project, tree["lot"], photos.named(content, name))
    assert response.status_code == 400, response.content
    body = response.json()
    assert "files" in body or body["results"][0]["status"] == "refused"
    assert message in str(body)
    assert not Photo.objects.exists()
    assert not StoredObject.objects.exists()
    # Nor in the object store, where the truncated photo's put had already started.
    with pytest.raises(ObjectNotFound):
        gateway.stat(settings.S3_ARCHIVE_BUCKET, object_key(hashlib.sha256(content).hexdigest()))


def test_one_refused_file_does_not_stop_the_others(api_as, project, tree):
    response = upload(
        api_as("alice"),
        project,
        tree["lot"],
        photos.named(photos.jpeg(), "good.jpg"),
        photos.named(b"GIF89a" + b"\x00" * 50, "bad.jpg"),
    )
    assert response.status_code == 201
    assert [r["status"] for r in response.json()["results"]] == ["accepted", "refused"]
    assert Photo.objects.count() == 1


def test_photos_are_served_through_short_lived_urls_after_the_access_check(
    api_as, project, tree, charlie
):
    content = photos.jpeg()
    upload(api_as("alice"), project, tree["lot"], photos.named(content, "a.jpg"))
    photo = Photo.objects.get()
    target = f"/api/v1/projects/{project.pk}/photos/{photo.pk}/original/"
    response = api_as("reggie").get(target)
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    with urllib.request.urlopen(response["Location"], timeout=10) as fetched:  # noqa: S310
        assert fetched.read() == content
    assert api_as("charlie").get(target).status_code == 404
    listing = api_as("charlie").get(f"/api/v1/projects/{project.pk}/photos/")
    assert listing.status_code == 404


@pytest.mark.parametrize(("name", "expected"), [("olga", 403), ("reggie", 403), ("charlie", 404)])
def test_only_those_who_keep_the_records_upload_photos(api_as, project, tree, name, expected):
    response = upload(api_as(name), project, tree["lot"], photos.named(photos.jpeg(), "a.jpg"))
    assert response.status_code == expected
    assert not StoredObject.objects.exists()


def test_the_photo_list_query_count_is_pinned(api_as, project, tree, django_assert_max_num_queries):
    client = api_as("alice")
    for _ in range(3):
        upload(client, project, tree["lot"], photos.named(photos.jpeg(size=(64, 48)), "a.jpg"))
    with django_assert_max_num_queries(9):
        response = client.get(url(project, tree["lot"], "photos"))
    assert response.json()["count"] == 3


@pytest.mark.slow
def test_object_store_down_during_upload_is_a_503_and_nothing_is_written(
    api_as, project, tree, s3_server
):
    photo_rows, objects = Photo.objects.count(), StoredObject.objects.count()
    s3_server.stop()
    try:
        gateway.reset()
        response = upload(
            api_as("alice"), project, tree["lot"], photos.named(photos.jpeg(), "a.jpg")
        )
        assert response.status_code == 503
        assert "The file store is unavailable" in response.json()["detail"]
        assert Photo.objects.count() == photo_rows
        assert StoredObject.objects.count() == objects
    finally:
        s3_server.start()
        gateway.reset()


def test_path_like_and_very_long_file_names_are_kept_only_as_a_plain_name(api_as, project, tree):
    response = upload(
        api_as("alice"),
        project,
        tree["lot"],
        photos.named(photos.jpeg(), "../../../etc/passwd.jpg"),
        photos.named(photos.jpeg(), "现场照片" + "p" * 400 + ".jpg"),
    )
    assert response.status_code == 201, response.content
    names = [r["photo"]["original_name"] for r in response.json()["results"]]
    assert names[0] == "passwd.jpg"
    assert "/" not in names[1]
    assert len(names[1]) <= 255


def test_a_photo_above_the_byte_limit_is_refused(api_as, project, tree, settings):
    settings.PHOTO_MAX_BYTES = 10_000
    response = upload(api_as("alice"), project, tree["lot"], photos.named(photos.jpeg(), "big.jpg"))
    assert response.status_code == 400
    assert response.json()["results"][0]["status"] == "refused"
    assert not StoredObject.objects.exists()


def test_photos_cannot_be_added_to_an_accepted_record(api_as, project, tree, alice, quinn):
    from inspections import services

    lot = tree["lot"]
    services.record_submit(record=lot, actor=alice)
    services.record_sign(record=lot, user=alice, password="correct-horse-2026")
    services.record_sign(record=lot, user=quinn, password="correct-horse-2026")
    services.record_accept(record=lot, actor=alice)
    response = upload(api_as("alice"), project, lot, photos.named(photos.jpeg(), "late.jpg"))
    assert response.status_code == 400
    assert "has been accepted and can no longer be changed" in str(response.json())
    assert not StoredObject.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_same_photo_sent_four_times_at_once_is_one_photo(project, tree, alice):
    # A phone retrying on a bad network: the four requests race past the duplicate check.
    content = photos.jpeg()
    start = threading.Barrier(4)
    results, errors = [], []

    def send(n: int) -> None:
        try:
            start.wait()
            results.append(
                services.photo_ingest(
                    subject=tree["lot"], fileobj=photos.named(content, f"{n}.jpg"), actor=alice
                )
            )
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({photo.pk for photo, _created in results}) == 1
    assert sorted(created for _photo, created in results) == [False, False, False, True]
    assert Photo.objects.count() == 1
    assert StoredObject.objects.count() == 1  # the original; its copies are the job's
    run_queued()  # one job, or one per racer: the copies are made once all the same
    assert StoredObject.objects.count() == 3  # original, preview, thumbnail


def test_a_photo_spooled_to_disk_is_hashed_as_it_arrives(api_as, project, tree):
    content = photos.jpeg(size=(2000, 1500))
    assert len(content) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE  # a temporary file, not memory
    client = api_as("alice")
    damaged = upload(
        client, project, tree["lot"], photos.named(content, "big.jpg"), sha256="f" * 64
    )
    assert damaged.status_code == 400
    assert "damaged in transit" in str(damaged.json())
    response = upload(
        client,
        project,
        tree["lot"],
        photos.named(content, "big.jpg"),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    assert response.status_code == 201, response.content
    photo = Photo.objects.get()
    assert photo.original.sha256 == hashlib.sha256(content).hexdigest()
    assert object_read_bytes(obj=photo.original) == content


def damaged_huffman_table() -> bytes:
    """A JPEG whole by its structure (every segment, the scan, the end) whose Huffman
    table is garbage: only a decode finds it."""
    content = photos.jpeg()
    table = content.index(b"\xff\xc4")
    return content[: table + 5] + b"\xee" * 16 + content[table + 21 :]


def test_a_photo_only_a_decode_finds_damaged_is_kept_and_flagged_could_not_be_read(
    api_as, project, tree, alice
):
    client = api_as("alice")
    response = upload(client, project, tree["lot"], photos.named(damaged_huffman_table(), "a.jpg"))
    assert response.status_code == 201, response.content
    assert run_queued() == 1
    photo = Photo.objects.get()
    assert photo.flags == ["unreadable"]
    assert (photo.preview_id, photo.thumbnail_id) == (None, None)
    listed = client.get(f"/api/v1/projects/{project.pk}/photos/").json()["results"][0]
    assert listed["flags"] == ["unreadable"]
    assert listed["downloads"]["thumbnail"] is None
    assert str(photo.flag_labels[0]) == "could not be read"
    # The uploader's "my work" lists it, on the record where it can be replaced.
    flagged = {key: items for key, _title, items in my_work(user=alice)}["flagged_photos"]
    assert [item.what for item in flagged] == [f"A photo of {tree['lot'].title}: could not be read"]
    # The job is idempotent: run again, it neither flags twice nor writes another entry.
    entries = LedgerEntry.objects.count()
    photo_previews_make.enqueue(photo.original_id)
    run_queued()
    photo.refresh_from_db()
    assert photo.flags == ["unreadable"]
    assert LedgerEntry.objects.count() == entries


def test_the_same_photo_on_a_second_record_reuses_the_copies_already_made(api_as, project, tree):
    content = photos.jpeg()
    client = api_as("alice")
    upload(client, project, tree["lot"], photos.named(content, "a.jpg"))
    run_queued()
    first = Photo.objects.get()
    response = upload(client, project, tree["sub_item"], photos.named(content, "a.jpg"))
    assert response.status_code == 201, response.content
    second = Photo.objects.exclude(pk=first.pk).get()
    assert (second.preview_id, second.thumbnail_id) == (first.preview_id, first.thumbnail_id)
    assert run_queued() == 0  # nothing queued: nothing left to decode
