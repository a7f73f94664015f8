"""Writes to acceptance records and evidence photos. One write path for the API, admin,
the demo and tests: keyword-only, one transaction, ``full_clean()`` before saving and a
ledger entry for every row written."""

from __future__ import annotations

import contextlib
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from inspections.exif import PhotoMetadata, haversine_m, photo_metadata
from inspections.models import AcceptanceRecord, AcceptanceRound, Photo, SignOff
from ledger.canonical import canonical_json, sha256_hex
from ledger.services import ledger_append, ledgered_save, model_update
from projects.models import LeadTenure, Location, Membership, Person, Project, Role, UnitWork
from projects.reauth import password_reentered_check
from projects.services import project_stage_advance
from storage.images import image_load, image_open
from storage.services import ObjectStaging, StagedObject, objects_record

Level = AcceptanceRecord.Level
State = AcceptanceRecord.State
Capacity = SignOff.Capacity

# Who signs each level (GB 50300 §6): lots and sub-items by the specialist supervising
# engineer with the contractor's quality inspector; divisions by the chief supervising
# engineer with the contractor's project manager; unit works and completion by all five leads.
LOT_SIGNERS = (Capacity.SUPERVISING_ENGINEER, Capacity.QUALITY_INSPECTOR)
DIVISION_SIGNERS = (Capacity.CHIEF_SUPERVISING_ENGINEER, Capacity.PROJECT_MANAGER)
FOUNDATION_SIGNERS = (*DIVISION_SIGNERS, Capacity.SURVEY_LEAD, Capacity.DESIGN_LEAD)
ALL_LEADS = (
    Capacity.OWNER_LEAD,
    Capacity.SURVEY_LEAD,
    Capacity.DESIGN_LEAD,
    Capacity.PROJECT_MANAGER,
    Capacity.CHIEF_SUPERVISING_ENGINEER,
)

# The party whose lead in office signs in each lead capacity.
LEAD_ROLES = {
    Capacity.CHIEF_SUPERVISING_ENGINEER: Role.SUPERVISOR,
    Capacity.PROJECT_MANAGER: Role.CONTRACTOR,
    Capacity.SURVEY_LEAD: Role.SURVEY,
    Capacity.DESIGN_LEAD: Role.DESIGN,
    Capacity.OWNER_LEAD: Role.OWNER,
}
# The party whose site staff (site-supervisor memberships) sign in each staff capacity.
STAFF_ROLES = {
    Capacity.SUPERVISING_ENGINEER: Role.SUPERVISOR,
    Capacity.QUALITY_INSPECTOR: Role.CONTRACTOR,
}

RECORD_FIELDS = ("title", "date", "result", "remarks", "division_kind")


def required_capacities(record: AcceptanceRecord) -> tuple[str, ...]:
    if record.level in (Level.INSPECTION_LOT, Level.SUB_ITEM, Level.CONCEALED):
        return LOT_SIGNERS
    if record.level in (Level.DIVISION, Level.SUB_DIVISION):
        if record.division_kind in (
            AcceptanceRecord.DivisionKind.FOUNDATION,
            AcceptanceRecord.DivisionKind.MAIN_STRUCTURE,
        ):
            return FOUNDATION_SIGNERS
        return DIVISION_SIGNERS
    return ALL_LEADS


def record_content_sha256(record: AcceptanceRecord) -> str:
    """The SHA-256 of what a signer is shown: the record's content in this round."""
    content = {
        "id": record.pk,
        "project": record.project_id,
        "unit_work": record.unit_work_id,
        "level": record.level,
        "division_kind": record.division_kind,
        "parent": record.parent_id,
        "title": record.title,
        "date": record.date,
        "result": record.result,
        "remarks": record.remarks,
        "round": record.round,
        "locations": sorted(record.locations.values_list("pk", flat=True)),
        "concealed_works": sorted(record.concealed_works.values_list("pk", flat=True)),
    }
    return sha256_hex(canonical_json(content))


def _locked(record: AcceptanceRecord) -> AcceptanceRecord:
    return AcceptanceRecord.objects.select_for_update().get(pk=record.pk)


def _accepted_refusal() -> ValidationError:
    return ValidationError(
        _(
            "This record has been accepted and can no longer be changed. Record a correction"
            " as a new acceptance record instead."
        ),
        code="accepted",
    )


def _structure_check(record: AcceptanceRecord) -> None:
    allowed_parents = AcceptanceRecord.PARENT_LEVELS[record.level]
    if record.level == Level.COMPLETION:
        if record.unit_work_id is not None or record.parent_id is not None:
            raise ValidationError(
                _("Completion acceptance covers the whole project, not one unit work.")
            )
        return
    if record.unit_work_id is None:
        raise ValidationError({"unit_work": _("Choose the unit work this record belongs to.")})
    if record.unit_work.project_id != record.project_id:
        raise ValidationError({"unit_work": _("The unit work belongs to another project.")})
    if not allowed_parents:
        if record.parent_id is not None:
            raise ValidationError({"parent": _("A unit-work record has no parent record.")})
        return
    if record.parent is None:
        raise ValidationError(
            {
                "parent": _("A %(level)s record belongs under a %(parents)s record.")
                % {
                    "level": record.get_level_display(),
                    "parents": " / ".join(str(Level(level).label) for level in allowed_parents),
                }
            }
        )
    if record.parent.unit_work_id != record.unit_work_id:
        raise ValidationError({"parent": _("The parent record belongs to another unit work.")})
    if record.parent.level not in allowed_parents:
        raise ValidationError(
            {
                "parent": _("A %(level)s record cannot be placed under a %(parent)s record.")
                % {
                    "level": record.get_level_display(),
                    "parent": record.parent.get_level_display(),
                }
            }
        )
    if record.parent.is_accepted:
        raise ValidationError(
            {"parent": _("The parent record has already been accepted; nothing can be added.")}
        )


def _set_relations(
    record: AcceptanceRecord,
    *,
    locations: Iterable[Location] | None,
    concealed_works: Iterable[AcceptanceRecord] | None,
) -> None:
    if locations is not None:
        locations = list(locations)
        for location in locations:
            if location.unit_work_id != record.unit_work_id:
                raise ValidationError(
                    {
                        "locations": _("Location “%(name)s” is in another unit work.")
                        % {"name": location.name}
                    }
                )
        record.locations.set(locations)
    if concealed_works is not None:
        concealed_works = list(concealed_works)
        for concealed in concealed_works:
            if concealed.level != Level.CONCEALED or concealed.project_id != record.project_id:
                raise ValidationError(
                    {
                        "concealed_works": _(
                            "Only concealed-works records of this project can be covered."
                        )
                    }
                )
        record.concealed_works.set(concealed_works)


@transaction.atomic
def record_create(
    *,
    project: Project,
    level: str,
    title: str,
    date: datetime.date,
    actor: AbstractBaseUser | None,
    unit_work: UnitWork | None = None,
    parent: AcceptanceRecord | None = None,
    division_kind: str = AcceptanceRecord.DivisionKind.OTHER,
    result: str = "",
    remarks: str = "",
    locations: Iterable[Location] = (),
    concealed_works: Iterable[AcceptanceRecord] = (),
) -> AcceptanceRecord:
    record = AcceptanceRecord(
        project=project,
        unit_work=unit_work,
        level=level,
        parent=parent,
        division_kind=division_kind,
        title=(title or "").strip(),
        date=date,
        result=result,
        remarks=remarks,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    record.full_clean()
    _structure_check(record)
    record.save()
    _set_relations(record, locations=locations, concealed_works=concealed_works)
    ledger_append(record=record, action="create", actor=actor)
    return record


@transaction.atomic
def record_update(
    *,
    record: AcceptanceRecord,
    actor: AbstractBaseUser | None,
    locations: Iterable[Location] | None = None,
    concealed_works: Iterable[AcceptanceRecord] | None = None,
    **changes: Any,
) -> AcceptanceRecord:
    record = _locked(record)
    if record.is_accepted:
        raise _accepted_refusal()
    if not record.is_editable:
        raise ValidationError(
            _(
                "A submitted record cannot be changed while it is being signed. Ask for it to"
                " be returned, then change it and submit it again."
            ),
            code="submitted",
        )
    model_update(record, changes, allowed=RECORD_FIELDS)
    _set_relations(record, locations=locations, concealed_works=concealed_works)
    ledgered_save(record, action="update", actor=actor)
    return record


def _concealed_check(record: AcceptanceRecord) -> None:
    pending = [c for c in record.concealed_works.all() if not c.is_accepted]
    if pending:
        raise ValidationError(
            _("The concealed works this work covers must be accepted first: %(records)s.")
            % {"records": "; ".join(c.title for c in pending)},
            code="concealed_pending",
        )


@transaction.atomic
def record_submit(*, record: AcceptanceRecord, actor: AbstractBaseUser) -> AcceptanceRecord:
    """The contractor's self-check is done: submit the record (again, after a return)."""
    record = _locked(record)
    if record.is_accepted:
        raise _accepted_refusal()
    if record.state == State.SUBMITTED:
        raise ValidationError(_("This record has already been submitted."), code="submitted")
    _concealed_check(record)
    if record.state == State.RETURNED:
        record.round += 1
    record.state = State.SUBMITTED
    ledgered_save(record, action="state", actor=actor)
    ledgered_save(
        AcceptanceRound(
            record=record,
            number=record.round,
            content_sha256=record_content_sha256(record),
            submitted_by=actor,
            submitted_at=timezone.now(),
        ),
        action="create",
        actor=actor,
    )
    return record


def _current_round(record: AcceptanceRecord) -> AcceptanceRound:
    return AcceptanceRound.objects.select_for_update().get(record=record, number=record.round)


def _submitted_check(record: AcceptanceRecord) -> None:
    if record.is_accepted:
        raise _accepted_refusal()
    if record.state != State.SUBMITTED:
        raise ValidationError(
            _("Only a submitted record can be signed, returned or accepted; submit it first."),
            code="not_submitted",
        )


@transaction.atomic
def record_return(
    *, record: AcceptanceRecord, reasons: str, actor: AbstractBaseUser
) -> AcceptanceRecord:
    """Send a submitted record back with reasons; its round and sign-offs are kept."""
    record = _locked(record)
    _submitted_check(record)
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError(
            {"reasons": _("Say why the record is returned, so it can be put right.")}
        )
    acceptance_round = _current_round(record)
    acceptance_round.outcome = AcceptanceRound.Outcome.RETURNED
    acceptance_round.reasons = reasons
    acceptance_round.decided_by = actor
    acceptance_round.decided_at = timezone.now()
    ledgered_save(acceptance_round, action="state", actor=actor)
    record.state = State.RETURNED
    ledgered_save(record, action="state", actor=actor)
    return record


def signer_person(record: AcceptanceRecord, capacity: str, user) -> Person | None:
    """The person ``user`` signs as in ``capacity`` on ``record``, or None if they may not.

    Leads sign while in office on the record's date; staff through their site-supervisor
    membership for that party on the project.
    """
    if capacity in LEAD_ROLES:
        tenure = (
            LeadTenure.objects.filter(
                project_id=record.project_id,
                role=LEAD_ROLES[capacity],
                start_date__lte=record.date,
                person__user=user,
            )
            .exclude(end_date__lt=record.date)
            .select_related("person")
            .first()
        )
        return tenure.person if tenure else None
    person = Person.objects.filter(user=user).first()
    if person is None:
        return None
    is_staff_there = Membership.objects.filter(
        user=user,
        project_id=record.project_id,
        role=Membership.Role.SITE_SUPERVISOR,
        organization__participations__project_id=record.project_id,
        organization__participations__role=STAFF_ROLES[capacity],
    ).exists()
    return person if is_staff_there else None


def record_sign(
    *,
    record: AcceptanceRecord,
    user: AbstractBaseUser,
    password: str,
    capacity: str | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
    request=None,
) -> SignOff:
    """Sign the current round as a named person in office, after re-entering the password.

    The password is checked before the signing transaction: a wrong one must stay counted
    towards the sign-in lockout when the refusal rolls the transaction back."""
    password_reentered_check(user=user, password=password, request=request)
    return _record_sign(
        record=record, user=user, capacity=capacity, ip_address=ip_address, user_agent=user_agent
    )


@transaction.atomic
def _record_sign(
    *,
    record: AcceptanceRecord,
    user: AbstractBaseUser,
    capacity: str | None,
    ip_address: str | None,
    user_agent: str,
) -> SignOff:
    record = _locked(record)
    _submitted_check(record)
    signed = set(
        SignOff.objects.filter(record=record, round=record.round).values_list("capacity", flat=True)
    )
    open_capacities = [c for c in required_capacities(record) if c not in signed]
    if capacity is not None:
        if capacity not in required_capacities(record):
            raise ValidationError(
                {"capacity": _("This record does not need a sign-off in that capacity.")}
            )
        if capacity in signed:
            raise ValidationError({"capacity": _("Someone has already signed in this capacity.")})
        open_capacities = [capacity]
    for candidate in open_capacities:
        person = signer_person(record, candidate, user)
        if person is not None:
            break
    else:
        raise ValidationError(
            _(
                "You are not one of the people who must sign this record on %(date)s: it needs"
                " %(capacities)s, each signed by the person in office then."
            )
            % {
                "date": record.date.isoformat(),
                "capacities": ", ".join(
                    str(Capacity(c).label) for c in (open_capacities or required_capacities(record))
                ),
            },
            code="wrong_signer",
        )
    sign_off = SignOff(
        record=record,
        round=record.round,
        capacity=candidate,
        person=person,
        user=user,
        signed_at=timezone.now(),
        ip_address=ip_address or None,
        user_agent=(user_agent or "")[:500],
        content_sha256=record_content_sha256(record),
        person_snapshot=person.identity_snapshot(),
    )
    ledgered_save(sign_off, action="sign", actor=user)
    return sign_off


def missing_capacities(record: AcceptanceRecord) -> list[str]:
    signed = set(
        SignOff.objects.filter(record=record, round=record.round).values_list("capacity", flat=True)
    )
    return [c for c in required_capacities(record) if c not in signed]


@transaction.atomic
def record_accept(*, record: AcceptanceRecord, actor: AbstractBaseUser) -> AcceptanceRecord:
    """Accept a fully signed record whose children and concealed works are accepted.

    Accepting the completion acceptance moves the project to "completion accepted".
    """
    record = _locked(record)
    _submitted_check(record)
    missing = missing_capacities(record)
    if missing:
        raise ValidationError(
            _("The record still needs the sign-off of: %(capacities)s.")
            % {"capacities": ", ".join(str(Capacity(c).label) for c in missing)},
            code="unsigned",
        )
    pending_children = record.children.exclude(state=State.ACCEPTED)
    if pending_children.exists():
        raise ValidationError(
            _("Every record under this one must be accepted first; still open: %(records)s.")
            % {"records": "; ".join(child.title for child in pending_children)},
            code="children_pending",
        )
    _concealed_check(record)
    if record.level == Level.COMPLETION:
        _completion_check(record)
    acceptance_round = _current_round(record)
    acceptance_round.outcome = AcceptanceRound.Outcome.ACCEPTED
    acceptance_round.decided_by = actor
    acceptance_round.decided_at = timezone.now()
    ledgered_save(acceptance_round, action="state", actor=actor)
    record.state = State.ACCEPTED
    record.accepted_at = timezone.now()
    ledgered_save(record, action="state", actor=actor)
    if record.level == Level.COMPLETION:
        project_stage_advance(
            project=record.project, to_stage=Project.Stage.COMPLETION_ACCEPTED, actor=actor
        )
    return record


def _completion_check(record: AcceptanceRecord) -> None:
    project = record.project
    if project.stage != Project.Stage.UNDER_CONSTRUCTION:
        raise ValidationError(
            _(
                "Completion acceptance is for a project under construction; this project is"
                " %(stage)s."
            )
            % {"stage": project.get_stage_display()},
            code="stage",
        )
    unit_works = UnitWork.objects.filter(project=project)
    without = [
        unit_work.name
        for unit_work in unit_works
        if not AcceptanceRecord.objects.filter(
            unit_work=unit_work, level=Level.UNIT, state=State.ACCEPTED
        ).exists()
    ]
    open_units = AcceptanceRecord.objects.filter(project=project, level=Level.UNIT).exclude(
        state=State.ACCEPTED
    )
    if not unit_works.exists() or without or open_units.exists():
        names = without + [r.title for r in open_units]
        raise ValidationError(
            _(
                "Every unit work must have its unit-level acceptance accepted before"
                " completion acceptance; still open: %(records)s."
            )
            % {"records": "; ".join(names) or _("no unit works")},
            code="units_pending",
        )


# --- Evidence photos ---

PHOTO_TYPES = ("image/jpeg", "image/png", "image/heic", "image/heif")
PHOTO_KNOWN_RELATIONS = (
    "project",
    "subject_type",
    "original",
    "preview",
    "thumbnail",
    "uploaded_by",
    "location",
)


def photo_subject_context(subject) -> tuple[Project, datetime.date | None]:
    """The project a photo's subject belongs to and the date its photos should be near.

    Acceptance records here; apps above this one (deliveries, plaques, defects) can own
    photos too: any subject with a ``project`` and, optionally, a ``date``.
    """
    return subject.project, getattr(subject, "date", None)


def photo_ingest(
    *,
    subject,
    fileobj,
    actor: AbstractBaseUser,
    caption: str = "",
    location: Location | None = None,
    declared_sha256: str | None = None,
) -> tuple[Photo, bool]:
    """Store a photo's original untouched as evidence, make its preview and thumbnail, read
    its EXIF and record it. Returns the photo and whether it is new (False: the same bytes
    were already attached to this subject).

    The original and derived copies are put first (content-addressed, so a retry is
    harmless), then the rows, in one transaction. A refused file leaves nothing behind.
    """
    if isinstance(subject, AcceptanceRecord) and subject.is_accepted:
        raise _accepted_refusal()
    project, reference_date = photo_subject_context(subject)
    if location is not None and not _location_in(location, subject):
        raise ValidationError({"location": _("The location is in another project.")})
    subject_type = ContentType.objects.get_for_model(subject)
    # The original is put while it is decoded here, once: the decode both proves the file is
    # a whole image and makes the preview and thumbnail (ObjectStaging).
    with ObjectStaging() as staging:
        original = staging.stage(
            fileobj=fileobj,
            archival=True,
            original_name=(getattr(fileobj, "name", "") or "")[-200:],
            declared_sha256=declared_sha256,
            allowed_types=PHOTO_TYPES,
            max_bytes=settings.PHOTO_MAX_BYTES,
        )
        if not original.is_new:
            existing = Photo.objects.filter(
                subject_type=subject_type, subject_id=subject.pk, original=original.obj
            ).first()
            if existing is not None:
                return existing, False
        with image_open(fileobj, content_type=original.obj.content_type) as image:
            size = photo_load(image)  # refuses a damaged photo: the put is then undone
            staging.checked(original)
            decoded = photo_derive(image, size)
        fileobj.seek(0)
        stem = original.obj.sha256[:16]
        preview = _derived_stage(staging, decoded.preview, f"{stem}-preview.jpg")
        thumbnail = _derived_stage(staging, decoded.thumbnail, f"{stem}-thumbnail.jpg")
    metadata = decoded.metadata
    photo = Photo(
        project=project,
        subject_type=subject_type,
        subject_id=subject.pk,
        width=decoded.width,
        height=decoded.height,
        caption=(caption or "").strip(),
        location=location,
        uploaded_by=actor,
        received_at=timezone.now(),
        captured_at=metadata.captured_at,
        captured_offset=metadata.captured_offset,
        latitude=metadata.latitude,
        longitude=metadata.longitude,
        gps_accuracy_m=metadata.gps_accuracy_m,
        camera_make=metadata.camera_make,
        camera_model=metadata.camera_model,
    )
    _photo_flags(photo, reference_date)
    try:
        return _photo_record(photo=photo, files=(original, preview, thumbnail), actor=actor), True
    except IntegrityError:
        # The same photo was sent twice at once to this subject; the first one stands.
        return Photo.objects.get(
            subject_type=subject_type, subject_id=subject.pk, original__sha256=original.obj.sha256
        ), False


def _derived_stage(staging: ObjectStaging, data: bytes, name: str) -> StagedObject:
    return staging.stage(
        fileobj=io.BytesIO(data), archival=False, original_name=name, content_type="image/jpeg"
    )


@dataclass(frozen=True)
class DecodedPhoto:
    width: int
    height: int
    metadata: PhotoMetadata
    preview: bytes
    thumbnail: bytes


def photo_decode(fileobj, *, content_type: str) -> DecodedPhoto:
    """Decode a photo once (refusing one that is damaged or truncated) and make its
    preview and thumbnail; return them with its size and EXIF metadata."""
    with image_open(fileobj, content_type=content_type) as image:
        decoded = photo_derive(image, photo_load(image))
    fileobj.seek(0)
    return decoded


def photo_load(image: Image.Image) -> tuple[int, int]:
    """Decode an opened photo at the smallest scale its preview allows, or raise
    ValidationError; return its size as taken. A 4000 × 3000 JPEG decodes at 1/4 scale for
    a 1000 px preview; every byte of the scan is still read, so a truncated or damaged file
    is refused all the same."""
    size = image.size
    if image.format == "JPEG":  # (a no-op once the image is decoded)
        ratio = settings.PHOTO_PREVIEW_PIXELS / max(image.size)
        image.draft("RGB", (round(image.width * ratio), round(image.height * ratio)))
    image_load(image)
    return size


def photo_derive(image: Image.Image, size: tuple[int, int]) -> DecodedPhoto:
    """EXIF metadata and derived copies of a photo ``photo_load`` decoded."""
    metadata = photo_metadata(image, default_tz=timezone.get_default_timezone())
    preview, thumbnail = derived_jpegs(image)
    return DecodedPhoto(*size, metadata, preview, thumbnail)


def _location_in(location: Location, subject) -> bool:
    project, _date = photo_subject_context(subject)
    return location.unit_work.project_id == project.pk


def _photo_flags(photo: Photo, reference_date: datetime.date | None) -> None:
    flags = []
    if photo.captured_at is not None and reference_date is not None:
        tz = photo.captured_at.tzinfo
        days = abs((photo.captured_at.astimezone(tz).date() - reference_date).days)
        if days > settings.PHOTO_CAPTURE_TOLERANCE_DAYS:
            flags.append(Photo.Flag.CAPTURED_FAR_FROM_DATE.value)
    project = photo.project
    if (
        photo.latitude is not None
        and project.site_latitude is not None
        and project.site_longitude is not None
    ):
        distance = haversine_m(
            float(photo.latitude),
            float(photo.longitude),
            float(project.site_latitude),
            float(project.site_longitude),
        )
        photo.distance_from_site_m = round(distance, 1)
        if distance > settings.PHOTO_GPS_TOLERANCE_METERS:
            flags.append(Photo.Flag.TAKEN_FAR_FROM_SITE.value)
    photo.flags = flags


@transaction.atomic
def _photo_record(
    *, photo: Photo, files: tuple[StagedObject, ...], actor: AbstractBaseUser
) -> Photo:
    photo.original, photo.preview, photo.thumbnail = objects_record(files, actor=actor)
    # The related rows were all just read or written here: checking that each exists would
    # be six more queries per photo.
    photo.full_clean(exclude=PHOTO_KNOWN_RELATIONS)
    photo.save()
    ledger_append(record=photo, action="create", actor=actor)
    return photo


def derived_jpegs(image: Image.Image) -> tuple[bytes, bytes]:
    """An opened image's orientation-corrected preview and thumbnail, as JPEG without EXIF
    (decoding it first, if ``photo_load`` has not)."""
    preview_px = settings.PHOTO_PREVIEW_PIXELS
    photo_load(image)
    upright = image if image.mode == "RGB" else image.convert("RGB")
    # In place: no copy of the pixels when the photo is already upright. A hostile
    # orientation tag leaves the photo as it was taken.
    with contextlib.suppress(Exception):
        upright = ImageOps.exif_transpose(upright, in_place=True) or upright
    upright.thumbnail((preview_px, preview_px))
    preview = _jpeg(upright, quality=85)
    thumbnail_px = settings.PHOTO_THUMBNAIL_PIXELS
    upright.thumbnail((thumbnail_px, thumbnail_px))
    return preview, _jpeg(upright, quality=80)


def _jpeg(image: Image.Image, *, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=False)
    return buffer.getvalue()
