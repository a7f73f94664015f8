"""Writes to acceptance records and evidence photos. One write path for the API, admin,
the demo and tests: keyword-only, one transaction, ``full_clean()`` before saving and a
ledger entry for every row written."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.models import AcceptanceRecord, AcceptanceRound, Photo, SignOff
from ledger.canonical import canonical_json, sha256_hex
from ledger.services import ledger_append, ledgered_save, model_update
from projects.models import LeadTenure, Location, Membership, Person, Project, Role, UnitWork
from projects.reauth import password_reentered_check
from projects.services import project_stage_advance
from storage.photos import StoredPhoto, photo_store

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


def _concealed_pending(record: AcceptanceRecord) -> ValidationError | None:
    pending = [c for c in record.concealed_works.all() if not c.is_accepted]
    if not pending:
        return None
    return ValidationError(
        _("The concealed works this work covers must be accepted first: %(records)s.")
        % {"records": "; ".join(c.title for c in pending)},
        code="concealed_pending",
    )


def _concealed_check(record: AcceptanceRecord) -> None:
    refusal = _concealed_pending(record)
    if refusal is not None:
        raise refusal


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


def signable_capacities(record: AcceptanceRecord, user) -> list[str]:
    """The capacities ``user`` may sign the submitted record's current round in now."""
    if record.state != State.SUBMITTED:
        return []
    return [c for c in missing_capacities(record) if signer_person(record, c, user) is not None]


def missing_capacities(record: AcceptanceRecord) -> list[str]:
    """The capacities still to sign the current round. Reads ``record.sign_offs.all()``, so
    a caller that prefetched them (the record tree) asks no query per record."""
    signed = {s.capacity for s in record.sign_offs.all() if s.round == record.round}
    return [c for c in required_capacities(record) if c not in signed]


def accept_blockers(record: AcceptanceRecord) -> list[ValidationError]:
    """What keeps the record from being accepted once submitted (missing sign-offs, records
    under it still open, concealed works it covers not accepted), in the order
    ``record_accept`` checks them, each with the message it refuses with. Reads sign-offs,
    children and concealed works through ``.all()``: prefetch them to ask no more queries."""
    blockers = []
    missing = missing_capacities(record)
    if missing:
        blockers.append(
            ValidationError(
                _("The record still needs the sign-off of: %(capacities)s.")
                % {"capacities": ", ".join(str(Capacity(c).label) for c in missing)},
                code="unsigned",
            )
        )
    pending_children = [child for child in record.children.all() if not child.is_accepted]
    if pending_children:
        blockers.append(
            ValidationError(
                _("Every record under this one must be accepted first; still open: %(records)s.")
                % {"records": "; ".join(child.title for child in pending_children)},
                code="children_pending",
            )
        )
    concealed = _concealed_pending(record)
    if concealed is not None:
        blockers.append(concealed)
    return blockers


@transaction.atomic
def record_accept(*, record: AcceptanceRecord, actor: AbstractBaseUser) -> AcceptanceRecord:
    """Accept a fully signed record whose children and concealed works are accepted.

    Accepting the completion acceptance moves the project to "completion accepted".
    """
    record = _locked(record)
    _submitted_check(record)
    blockers = accept_blockers(record)
    if blockers:
        raise blockers[0]
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

    Acceptance records and defect cases: any subject with a ``project`` and, optionally, a
    ``date``.
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
    device_captured_at: datetime.datetime | None = None,
) -> tuple[Photo, bool]:
    """Store a photo through ``storage.photos.photo_store`` (the original untouched as
    evidence, its preview and thumbnail, its EXIF and flags) and record it. Returns the
    photo and whether it is new (False: the same bytes were already attached to this
    subject).

    The original and derived copies are put first (content-addressed, so a retry is
    harmless), then the rows. A refused file leaves nothing behind.
    """
    if isinstance(subject, AcceptanceRecord) and not subject.takes_photos:
        raise _accepted_refusal()
    project, reference_date = photo_subject_context(subject)
    if location is not None and not _location_in(location, subject):
        raise ValidationError({"location": _("The location is in another project.")})
    subject_type = ContentType.objects.get_for_model(subject)
    photo = Photo(
        project=project,
        subject_type=subject_type,
        subject_id=subject.pk,
        caption=(caption or "").strip(),
        location=location,
        uploaded_by=actor,
        received_at=timezone.now(),
    )
    # What the caller gave is checked before anything is put.
    photo.full_clean(exclude=(*PHOTO_KNOWN_RELATIONS, "width", "height"))
    # One transaction for the stored files' rows and the photo's: a process killed between
    # them leaves no file recorded for nothing, only held versions without a row (orphans).
    with transaction.atomic():
        stored = photo_store(
            fileobj=fileobj,
            user=actor,
            subject_date=reference_date,
            site=project.site,
            declared_sha256=declared_sha256,
            device_captured_at=device_captured_at,
            attached=lambda original: Photo.objects.filter(
                subject_type=subject_type, subject_id=subject.pk, original=original
            ).first(),
        )
        if stored.existing is not None:
            return stored.existing, False
        photo.original = stored.original
        for name, value in stored.fields().items():
            setattr(photo, name, value)
        try:
            return _photo_record(photo=photo, stored=stored, actor=actor), True
        except IntegrityError:
            # The same photo was sent twice at once to this subject; the first one stands.
            return Photo.objects.get(
                subject_type=subject_type, subject_id=subject.pk, original=stored.original
            ), False


def _location_in(location: Location, subject) -> bool:
    project, _date = photo_subject_context(subject)
    return location.unit_work.project_id == project.pk


@transaction.atomic
def _photo_record(*, photo: Photo, stored: StoredPhoto, actor: AbstractBaseUser) -> Photo:
    # The related rows were all just read or written here: checking that each exists would
    # be six more queries per photo.
    photo.full_clean(exclude=PHOTO_KNOWN_RELATIONS)
    photo.save()
    ledger_append(record=photo, action="create", actor=actor)
    stored.previews_later()
    return photo
