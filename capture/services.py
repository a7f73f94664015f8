"""An item of a phone's offline queue reaching the archive: the record it makes, through the
resource's own service, and the device's claims beside what the server measured — all in
one transaction, answered once per Idempotency-Key.

The phone computed each file's SHA-256 when it was taken; the server compares it with the
hash of the bytes received before anything is stored, so the archive can show that what it
holds is what the phone took. A retry after a lost response carries the same key and gets
the first answer again, never a second record.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from capture.models import DeviceClaim, IdempotencyKey
from inspections import access as inspection_access
from inspections import services as inspection_services
from ledger.services import ledgered_save
from materials import access as material_access
from materials import services as material_services
from materials.models import DeliveryPhoto
from projects.models import Location, Project
from responsibility import access as responsibility_access
from responsibility.defects import defect_case_photo_add
from storage.photos import received_long_after
from storage.validation import file_sha256

Kind = DeviceClaim.Kind


def request_fingerprint(fields: dict[str, list[str]]) -> str:
    """What an item was (its kind, its target, its files' claimed hashes…): a key used again
    for something else is refused rather than answered with another item's result."""
    canonical = json.dumps(sorted((k, sorted(v)) for k, v in fields.items()), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent_answer(
    *,
    user: AbstractBaseUser,
    key: str,
    fingerprint: str,
    answer: Callable[[], tuple[int, dict]],
) -> tuple[int, dict, bool]:
    """``answer()``'s status and body, or the ones given before to the same (user, key); the
    last value says whether it was a replay. The key's row is locked while ``answer`` runs,
    so two copies of one request sent at once make one record. A server failure (an
    exception) leaves no answer behind: the phone retries and the item is made then."""
    with transaction.atomic():
        lifetime = datetime.timedelta(hours=settings.CAPTURE_IDEMPOTENCY_HOURS)
        IdempotencyKey.objects.filter(user=user, created_at__lt=timezone.now() - lifetime).delete()
        row, created = IdempotencyKey.objects.select_for_update().get_or_create(
            user=user, key=key, defaults={"fingerprint": fingerprint}
        )
        if not created and row.fingerprint != fingerprint:
            return (
                422,
                {
                    "refused": True,
                    "code": "idempotency_key_reused",
                    "detail": _(
                        "This Idempotency-Key was already used for another item. Give every"
                        " item its own key."
                    ),
                },
                False,
            )
        if row.status_code is not None:
            return row.status_code, row.body, True
        status, body = answer()
        row.status_code, row.body = status, body
        row.save(update_fields=["status_code", "body"])
        return status, body, False


def hashes_check(files: list, claimed: list[str]) -> list[str]:
    """The received files' SHA-256, each equal to the one the phone claimed, else a
    ValidationError before anything is stored."""
    received = []
    for position, (upload, declared) in enumerate(zip(files, claimed, strict=True)):
        actual, _size = file_sha256(upload, max_bytes=settings.PHOTO_MAX_BYTES)
        if actual != declared.lower():
            message = _(
                "File %(number)d arrived different from what the phone recorded when it was"
                " taken (SHA-256 %(claimed)s… on the phone, %(actual)s… here): it was damaged"
                " on the phone or on the way, so it was not stored."
            ) % {"number": position + 1, "claimed": declared[:12], "actual": actual[:12]}
            raise ValidationError({"files": ValidationError(message, code="sha256_mismatch")})
        received.append(actual)
    return received


@transaction.atomic
def capture_receive(
    *,
    user: AbstractBaseUser,
    project: Project,
    key: str,
    claims: dict[str, Any],
    fields: dict[str, Any],
) -> dict:
    """Make the record a queued item describes and its device claims; the answer's body.

    ``claims`` is the validated ``ClaimInputSerializer`` data, ``fields`` the item's own
    (``KIND_SERIALIZERS``); ``project`` was checked for writing. The record is checked here,
    per kind, by the resource's access helper;
    every refusal raises (ValidationError, 403, 404) and leaves nothing written.
    """
    files, claimed = claims["files"], claims["sha256"]
    received = hashes_check(files, claimed)
    received_at = timezone.now()
    captured_at = claims.get("captured_at")
    kind = claims["kind"]
    made, page_url, duplicate = _make(
        kind=kind,
        user=user,
        project=project,
        fields=fields,
        files=list(zip(files, received, strict=True)),
        captured_at=captured_at,
    )
    rows = []
    for subject, sha256 in made:
        claim = DeviceClaim(
            project=project,
            kind=kind,
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
            sent_by=user,
            idempotency_key=key,
            claimed_sha256=sha256 or "",
            received_sha256=sha256 or "",
            sha256_matched=True if sha256 else None,
            device_captured_at=captured_at,
            received_at=received_at,
            latitude=claims.get("latitude"),
            longitude=claims.get("longitude"),
            position_accuracy_m=_float(claims.get("accuracy")),
            long_delay=captured_at is not None and received_long_after(captured_at),
        )
        ledgered_save(claim, action="create", actor=user)
        rows.append(claim)
    return {
        "status": "duplicate" if duplicate else "stored",
        "kind": kind,
        "url": page_url,
        "claims": rows,
    }


def _make(*, kind, user, project, fields, files, captured_at):
    """The rows an item makes, each with the hash of its file (None for a row without), the
    page the user sees them on, and whether the one photo was already there."""
    project_id = project.pk
    if kind == Kind.RECORD_PHOTO:
        record = inspection_access.record_for_user(user, project_id, fields["record"], write=True)
        location = _location(project, fields.get("location"))
        (upload, sha256) = files[0]
        photo, created = inspection_services.photo_ingest(
            subject=record,
            fileobj=upload,
            actor=user,
            caption=fields["caption"],
            location=location,
            declared_sha256=sha256,
            device_captured_at=captured_at,
        )
        url = reverse("record-page", args=[project_id, record.pk]) + "#photos"
        return [(photo, sha256)], url, not created
    if kind == Kind.DEFECT_PHOTO:
        case = responsibility_access.defect_case_for_user(
            user, project_id, fields["case"], write=True
        )
        (upload, sha256) = files[0]
        photo, created = defect_case_photo_add(
            case=case,
            fileobj=upload,
            actor=user,
            caption=fields["caption"],
            declared_sha256=sha256,
            device_captured_at=captured_at,
        )
        return [(photo, sha256)], reverse("defect-case-page", args=[project_id, case.pk]), False
    if kind == Kind.DELIVERY_PHOTO:
        delivery = material_access.delivery_for_user(
            user, project_id, fields["delivery"], write=True
        )
        made = _delivery_photos(delivery, files, fields["photo_of"], user, captured_at)
        return made, reverse("delivery-page", args=[project_id, delivery.pk]), False
    if kind == Kind.DELIVERY:
        delivery = material_services.delivery_create(project=project, actor=user, **fields)
        made = [(delivery, None)]
        made += _delivery_photos(delivery, files, DeliveryPhoto.Kind.LABEL, user, captured_at)
        return made, reverse("delivery-page", args=[project_id, delivery.pk]), False
    if kind == Kind.SAMPLE:
        fields = dict(fields)
        delivery = material_access.delivery_for_user(
            user, project_id, fields.pop("delivery"), write=True
        )
        sample = material_services.sample_create(delivery=delivery, actor=user, **fields)
        return [(sample, None)], reverse("sample-page", args=[project_id, sample.pk]), False
    record = inspection_access.record_for_user(user, project_id, fields["record"], write=True)
    note = fields["note"].strip()
    result = f"{record.result.rstrip()}\n{note}" if record.result.strip() else note
    record = inspection_services.record_update(record=record, actor=user, result=result)
    return [(record, None)], reverse("record-page", args=[project_id, record.pk]), False


def _delivery_photos(delivery, files, photo_of, user, captured_at):
    return [
        (
            material_services.delivery_photo_add(
                delivery=delivery,
                kind=photo_of,
                fileobj=upload,
                actor=user,
                declared_sha256=sha256,
                device_captured_at=captured_at,
            ),
            sha256,
        )
        for upload, sha256 in files
    ]


def _float(value) -> float | None:
    return None if value is None else float(value)


def _location(project: Project, location_id) -> Location | None:
    if location_id is None:
        return None
    location = Location.objects.filter(unit_work__project=project, pk=location_id).first()
    if location is None:
        raise ValidationError({"location": _("The location is not one of this project's.")})
    return location
