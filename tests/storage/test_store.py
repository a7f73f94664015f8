"""Storing files: validation at the boundary, content addressing, nothing half-written."""

import hashlib

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import override_settings
from django.utils import translation

from ledger.models import LedgerEntry
from storage import gateway
from storage.errors import ObjectNotFound, ObjectProtected
from storage.models import StoredObject
from storage.selectors import object_read_bytes
from storage.services import object_key, object_store
from tests.storage import samples

pytestmark = pytest.mark.django_db


def refused(**kwargs) -> str:
    """The message object_store refuses with; also checks that nothing was written, to the
    database or to the object store (where a put may already have started)."""
    objects, entries = StoredObject.objects.count(), LedgerEntry.objects.count()
    fileobj = kwargs["fileobj"]
    key = object_key(hashlib.sha256(fileobj.read()).hexdigest())
    fileobj.seek(0)
    with pytest.raises(ValidationError) as caught:
        object_store(**kwargs)
    assert StoredObject.objects.count() == objects
    assert LedgerEntry.objects.count() == entries
    for bucket in (settings.S3_ARCHIVE_BUCKET, settings.S3_DERIVED_BUCKET):
        with pytest.raises(ObjectNotFound):
            gateway.stat(bucket, key)
    return " ".join(caught.value.messages)


def test_a_stored_photo_is_recorded_with_its_hash_size_type_and_a_ledger_entry(supervisor):
    data = samples.jpeg()
    obj = object_store(fileobj=samples.named(data, "IMG_0001.JPG"), user=supervisor, archival=True)
    assert obj.sha256 == hashlib.sha256(data).hexdigest()
    assert obj.size == len(data)
    assert obj.content_type == "image/jpeg"
    assert obj.original_name == "IMG_0001.JPG"
    digest = obj.sha256
    assert obj.key == object_key(digest) == f"sha256/{digest[:2]}/{digest[2:4]}/{digest}"
    assert obj.stored_by == supervisor
    assert obj.version_id
    assert obj.is_archival
    entry = LedgerEntry.objects.get(record_type="storage.storedobject", record_id=str(obj.pk))
    assert entry.action == "create"
    assert entry.actor == "wang.supervisor"
    assert gateway.stat(obj.bucket, obj.key, version_id=obj.version_id).size == len(data)


def test_storing_the_same_bytes_twice_gives_one_object(supervisor):
    data = samples.pdf()
    first = object_store(fileobj=samples.named(data, "pledge.pdf"), user=supervisor, archival=True)
    entries = LedgerEntry.objects.count()
    again = object_store(
        fileobj=samples.named(data, "pledge (1).pdf"), user=supervisor, archival=True
    )
    assert again.pk == first.pk
    assert again.original_name == "pledge.pdf"
    assert StoredObject.objects.filter(sha256=first.sha256).count() == 1
    assert LedgerEntry.objects.count() == entries


def test_a_declared_hash_that_does_not_match_is_refused_as_damaged_in_transit(supervisor):
    data = samples.jpeg()
    message = refused(
        fileobj=samples.named(data, "site.jpg"),
        user=supervisor,
        archival=True,
        declared_sha256=hashlib.sha256(data[:-1]).hexdigest(),
    )
    assert "damaged in transit" in message


def test_a_declared_hash_that_matches_is_accepted(supervisor):
    data = samples.jpeg()
    obj = object_store(
        fileobj=samples.named(data, "site.jpg"),
        user=supervisor,
        archival=False,
        declared_sha256=hashlib.sha256(data).hexdigest().upper(),
    )
    assert obj.sha256 == hashlib.sha256(data).hexdigest()


def test_a_file_over_the_size_limit_is_refused_naming_the_limit(supervisor):
    data = samples.pdf() + b"%" * (2 * 1024 * 1024)
    with override_settings(UPLOAD_MAX_BYTES=1024 * 1024):
        message = refused(fileobj=samples.named(data, "big.pdf"), user=supervisor, archival=True)
    assert "the largest file accepted is 1 MB" in message


def test_a_caller_can_set_a_smaller_size_limit(supervisor):
    message = refused(
        fileobj=samples.named(samples.jpeg((256, 256)), "a.jpg"),
        user=supervisor,
        archival=False,
        max_bytes=1000,
    )
    assert "the largest file accepted is 1000 bytes" in message


def test_an_empty_file_is_refused(supervisor):
    assert "empty" in refused(fileobj=samples.named(b"", "a.pdf"), user=supervisor, archival=True)


def test_a_zip_renamed_to_pdf_is_refused_as_a_zip(supervisor):
    message = refused(
        fileobj=samples.named(samples.zip_archive(), "test-report.pdf"),
        user=supervisor,
        archival=True,
    )
    assert message == "“test-report.pdf” looks like a ZIP archive, not a PDF document."


def test_text_renamed_to_jpg_is_refused(supervisor):
    message = refused(
        fileobj=samples.named(b"just some notes, not a photo\n" * 20, "photo.jpg"),
        user=supervisor,
        archival=True,
    )
    assert "looks like plain text or a format we do not recognise, not a JPEG image" in message


def test_a_png_sent_as_image_jpeg_is_refused(supervisor):
    upload = SimpleUploadedFile("photo", samples.png(), content_type="image/jpeg")
    message = refused(fileobj=upload, user=supervisor, archival=True)
    assert "looks like a PNG image, not a JPEG image" in message


def test_a_type_not_allowed_is_refused_listing_the_accepted_types(supervisor):
    message = refused(fileobj=samples.named(samples.gif(), "anim"), user=supervisor, archival=True)
    assert message == "This file is a GIF image. Accepted types: HEIC, HEIF, JPEG, PDF, PNG."


def test_a_caller_can_narrow_the_allowed_types(supervisor):
    message = refused(
        fileobj=samples.named(samples.pdf(), "scan.pdf"),
        user=supervisor,
        archival=True,
        allowed_types={"image/jpeg", "image/heic"},
    )
    assert "Accepted types: HEIC, JPEG." in message


@pytest.mark.parametrize("archival", [True, False], ids=["archive", "derived"])
def test_a_truncated_jpeg_is_refused_and_its_put_undone(supervisor, archival):
    # The header is whole, so the put starts (under a legal hold in the archive) while the
    # decode runs; the decode then finds the cut and the version is removed.
    data = samples.jpeg((400, 300))
    message = refused(
        fileobj=samples.named(data[: len(data) // 2], "cut.jpg"),
        user=supervisor,
        archival=archival,
    )
    assert "damaged or incomplete" in message


def test_an_archived_file_is_left_under_compliance_retention_and_no_hold(
    supervisor, django_capture_on_commit_callbacks
):
    # The retention is set, and the hold lifted, once the row commits.
    with django_capture_on_commit_callbacks(execute=True):
        obj = object_store(
            fileobj=samples.named(samples.jpeg(), "a.jpg"), user=supervisor, archival=True
        )
    on_server = gateway.stat(obj.bucket, obj.key, version_id=obj.version_id)
    assert on_server.retention_until == obj.retention_until
    assert not on_server.legal_hold
    assert obj.version_id
    assert on_server.size == obj.size
    with pytest.raises(ObjectProtected):
        gateway.remove(obj.bucket, obj.key, version_id=obj.version_id)


def test_a_file_that_cannot_be_read_twice_at_once_is_stored_after_its_check(
    supervisor, tmp_path, django_capture_on_commit_callbacks
):
    # A plain file handle has no second reader: the put waits for the decode; the retention
    # comes with the commit as for any other file.
    path = tmp_path / "site.jpg"
    path.write_bytes(samples.jpeg((300, 200)))
    with path.open("rb") as handle, django_capture_on_commit_callbacks(execute=True):
        obj = object_store(fileobj=handle, user=supervisor, archival=True)
    assert obj.original_name == "site.jpg"
    assert object_read_bytes(obj=obj) == path.read_bytes()
    assert gateway.stat(obj.bucket, obj.key, version_id=obj.version_id).retention_until


def test_a_decompression_bomb_is_refused_with_the_pixel_limit(supervisor):
    bomb = samples.png_bomb(20000, 20000)
    assert len(bomb) < 100_000  # small on disk, 400 megapixels decoded
    message = refused(fileobj=samples.named(bomb, "plan.png"), user=supervisor, archival=True)
    assert "more than 64 million pixels" in message
    assert "decompression bomb" in message


def test_an_image_just_over_the_pixel_limit_is_refused_not_only_warned_about(supervisor):
    # Pillow only warns between 1× and 2× its limit; the archive refuses there too.
    with override_settings(IMAGE_MAX_PIXELS=1000):
        message = refused(
            fileobj=samples.named(samples.png((40, 40)), "a.png"), user=supervisor, archival=True
        )
    assert "more than 0.001 million pixels" in message


def test_a_heic_photo_from_a_phone_is_accepted(supervisor):
    data = samples.heic()
    upload = SimpleUploadedFile("IMG_2040.HEIC", data, content_type="image/heic")
    obj = object_store(fileobj=upload, user=supervisor, archival=True)
    assert obj.content_type == "image/heic"
    assert obj.original_name == "IMG_2040.HEIC"


def test_a_pdf_is_accepted(supervisor):
    upload = SimpleUploadedFile("pledge.pdf", samples.pdf(), content_type="application/pdf")
    obj = object_store(fileobj=upload, user=supervisor, archival=True)
    assert obj.content_type == "application/pdf"


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="cut-in-half"),
        pytest.param(lambda data: data[:-40], id="trailer-cut"),
        pytest.param(lambda data: b"%PDF-1.4\n" + b"x" * 500, id="header-only"),
    ],
)
def test_a_corrupt_pdf_is_refused(supervisor, damage):
    message = refused(
        fileobj=samples.named(damage(samples.pdf()), "report.pdf"),
        user=supervisor,
        archival=True,
    )
    assert "The PDF is damaged or incomplete" in message


def test_derived_copies_go_to_the_derived_bucket_without_retention(supervisor, settings):
    obj = object_store(fileobj=samples.named(samples.png(), "thumb.png"), user=None, archival=False)
    assert obj.bucket == settings.S3_DERIVED_BUCKET
    assert obj.retention_until is None
    assert obj.stored_by is None
    assert not obj.is_archival


def test_refusals_are_in_the_language_of_the_request(supervisor):
    with translation.override("zh-hans"):
        message = refused(
            fileobj=samples.named(samples.zip_archive(), "检测报告.pdf"),
            user=supervisor,
            archival=True,
        )
    assert message == "“检测报告.pdf”实际是ZIP 压缩包，而不是PDF 文档。"


def test_a_large_upload_spooled_to_disk_is_stored_under_its_uploaded_name(supervisor):
    data = samples.png((1100, 1100))  # noise: over Django's 2.5 MB in-memory limit
    upload = TemporaryUploadedFile("平面图.png", "image/png", len(data), None)
    upload.write(data)
    upload.flush()
    obj = object_store(fileobj=upload, user=supervisor, archival=True)
    assert obj.original_name == "平面图.png"
    assert obj.size == len(data)
    assert object_read_bytes(obj=obj) == data
