"""Writes to projects, parties and people. One write path for the API, admin and commands.

Every service is keyword-only, runs in one transaction, validates with ``full_clean()``
before saving and appends a ledger entry for every row it writes, in the same transaction.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from ledger.canonical import record_type
from ledger.services import ledger_append, ledgered_save, model_update
from projects import pii
from projects.http import client_address
from projects.models import (
    MANDATORY_ROLES,
    AuditEvent,
    LeadTenure,
    Location,
    Membership,
    Organization,
    Participation,
    Person,
    Project,
    ProjectDocument,
    RegulatorAccount,
    Role,
    UnitWork,
)
from projects.validators import normalize_credit_code, validate_id_number
from storage.services import object_store

PHONE_RE = re.compile(r"^\+?\d{7,15}$")


# --- Organizations ---

ORGANIZATION_FIELDS = (
    "name",
    "credit_code",
    "qualification",
    "qualification_cert_no",
    "legal_representative",
    "address",
)


@transaction.atomic
def organization_create(
    *,
    name: str,
    credit_code: str,
    actor: AbstractBaseUser | None,
    qualification: str = "",
    qualification_cert_no: str = "",
    legal_representative: Person | None = None,
    address: str = "",
) -> Organization:
    organization = Organization(
        name=name.strip(),
        credit_code=normalize_credit_code(credit_code),
        qualification=qualification,
        qualification_cert_no=qualification_cert_no,
        legal_representative=legal_representative,
        address=address,
    )
    ledgered_save(organization, action="create", actor=actor)
    return organization


@transaction.atomic
def organization_update(
    *, organization: Organization, actor: AbstractBaseUser | None, **changes: Any
) -> Organization:
    if "credit_code" in changes:
        changes["credit_code"] = normalize_credit_code(changes["credit_code"])
    model_update(organization, changes, allowed=ORGANIZATION_FIELDS)
    ledgered_save(organization, action="update", actor=actor)
    return organization


# --- People ---


def _normalize_phone(phone: str) -> str:
    phone = re.sub(r"[\s-]", "", phone or "")
    if phone and not PHONE_RE.match(phone):
        raise ValidationError(
            {"phone": _("A phone number is 7 to 15 digits, optionally starting with +.")}
        )
    return phone


def _set_id_number(person: Person, id_number: str) -> None:
    try:
        number = validate_id_number(id_number)
    except ValidationError as error:
        raise ValidationError({"id_number": error.messages}) from None
    index = pii.blind_index(number)
    if Person.objects.filter(id_number_index=index).exclude(pk=person.pk).exists():
        raise ValidationError(
            {"id_number": _("A person with this ID number is already registered.")}
        )
    person.id_number_ciphertext = pii.encrypt(number)
    person.id_number_index = index
    person.id_number_masked = pii.mask_id_number(number)


def _set_phone(person: Person, phone: str) -> None:
    phone = _normalize_phone(phone)
    person.phone_ciphertext = pii.encrypt(phone) if phone else ""
    person.phone_masked = pii.mask_phone(phone) if phone else ""


PERSON_FIELDS = ("name", "organization", "practice_qualification", "practice_cert_no", "user")


@transaction.atomic
def person_create(
    *,
    name: str,
    id_number: str,
    actor: AbstractBaseUser | None,
    phone: str = "",
    organization: Organization | None = None,
    practice_qualification: str = Person.PracticeQualification.NONE,
    practice_cert_no: str = "",
    user: AbstractBaseUser | None = None,
) -> Person:
    person = Person(
        name=name.strip(),
        organization=organization,
        practice_qualification=practice_qualification,
        practice_cert_no=practice_cert_no,
        user=user,
    )
    _set_id_number(person, id_number)
    _set_phone(person, phone)
    ledgered_save(person, action="create", actor=actor)
    return person


def _identity_values(person: Person) -> dict[str, Any]:
    """What an identity change is recorded as: readable values, the ID number masked."""
    organization = person.organization
    return {
        "name": person.name,
        "id_number": person.id_number_masked,
        "organization": None if organization is None else f"{organization}",
        "practice_qualification": person.practice_qualification,
        "practice_cert_no": person.practice_cert_no,
    }


@transaction.atomic
def person_update(
    *,
    person: Person,
    actor: AbstractBaseUser | None,
    id_number: str | None = None,
    phone: str | None = None,
    reason: str = "",
    request=None,
    **changes: Any,
) -> Person:
    """Change ``person``. A change to who they are (name, ID number, employer, practice
    qualification or certificate) needs a ``reason`` and goes into the audit log with the
    values before and after; who may make it is checked by the caller
    (``access.person_identity_change_check``). Tenures, sign-offs and documents keep the
    values they froze when they were made."""
    # As stored, not as handed in: the admin's form has already set its changes on ``person``.
    stored = Person.objects.select_related("organization").get(pk=person.pk)
    before, index_before = _identity_values(stored), stored.id_number_index
    model_update(person, changes, allowed=PERSON_FIELDS)
    if id_number is not None:
        _set_id_number(person, id_number)
    if phone is not None:
        _set_phone(person, phone)
    after = _identity_values(person)
    changed = {
        field: [before[field], after[field]]
        for field in before
        if before[field] != after[field]
        or (field == "id_number" and person.id_number_index != index_before)
    }
    reason = (reason or "").strip()
    if changed and not reason:
        raise ValidationError(
            {
                "reason": _(
                    "Say why %(fields)s change (for example which certificate or ID card"
                    " shows the new value); the reason is kept in the audit log."
                )
                % {"fields": ", ".join(changed)}
            }
        )
    ledgered_save(person, action="update", actor=actor)
    if changed:
        audit_event_record(
            actor=actor,
            action=AuditEvent.Action.CHANGE_IDENTITY,
            subject=person,
            reason=reason,
            request=request,
            changes=changed,
        )
    return person


# --- Projects ---

PROJECT_FIELDS = (
    "name",
    "address",
    "permit_number",
    "supervision_number",
    "jurisdiction_code",
    "site_latitude",
    "site_longitude",
)


@transaction.atomic
def project_create(
    *,
    name: str,
    jurisdiction_code: str,
    actor: AbstractBaseUser | None,
    address: str = "",
    permit_number: str = "",
    supervision_number: str = "",
    site_latitude=None,
    site_longitude=None,
) -> Project:
    project = Project(
        name=name.strip(),
        jurisdiction_code=(jurisdiction_code or "").strip(),
        address=address,
        supervision_number=supervision_number,
        site_latitude=site_latitude,
        site_longitude=site_longitude,
    )
    ledgered_save(project, action="create", actor=actor)
    if (permit_number or "").strip():
        # Through the permit gate like any later update; a refusal rolls the creation back.
        project_update(project=project, permit_number=permit_number, actor=actor)
    return project


@transaction.atomic
def project_update(*, project: Project, actor: AbstractBaseUser | None, **changes: Any) -> Project:
    new_permit = (changes.get("permit_number") or "").strip()
    if new_permit and new_permit != project.permit_number:
        gaps = project_stage_gaps(project, PERMIT_GATE)
        if gaps:
            raise ValidationError({"permit_number": [_gate_messages(PERMIT_GATE), *gaps]})
    model_update(project, changes, allowed=PROJECT_FIELDS)
    ledgered_save(project, action="update", actor=actor)
    return project


def _missing_mandatory_parties(project: Project) -> list[str]:
    roles_with_party = set(project.participations.values_list("role", flat=True))
    roles_with_lead = set(
        project.lead_tenures.filter(end_date__isnull=True).values_list("role", flat=True)
    )
    gaps = []
    for role in MANDATORY_ROLES:
        if role not in roles_with_party:
            gaps.append(_("No %(role)s takes part in the project.") % {"role": role.label})
        elif role not in roles_with_lead:
            gaps.append(_("The %(role)s has no project lead in office.") % {"role": role.label})
    return gaps


# Checks that must pass before a project enters a stage, or (PERMIT_GATE) before a permit
# number is recorded. Apps above this layer (responsibility/: signed letters and pledges) add
# theirs with register_stage_gate; each check returns the list of what is still missing.
PERMIT_GATE = "permit_number"
STAGE_GATES: dict[str, list[Callable[[Project], list[str]]]] = {
    Project.Stage.UNDER_SUPERVISION: [_missing_mandatory_parties],
    PERMIT_GATE: [_missing_mandatory_parties],
}
# The supervision gate's own list, for callers that predate STAGE_GATES.
SUPERVISION_GATES = STAGE_GATES[Project.Stage.UNDER_SUPERVISION]
# Called inside project_stage_advance's transaction once the project is in the stage
# (responsibility/ freezes the plaques on completion acceptance). An explicit registry
# rather than signals: the stage change and its consequences commit or fail together.
STAGE_ENTERED: dict[str, list[Callable[..., None]]] = {}


def register_stage_gate(stage: str, check: Callable[[Project], list[str]]) -> None:
    """Add ``check(project) -> list of problems`` to the gate into ``stage`` (or PERMIT_GATE)."""
    checks = STAGE_GATES.setdefault(stage, [])
    if check not in checks:
        checks.append(check)


def register_supervision_gate(check: Callable[[Project], list[str]]) -> None:
    """Add ``check(project) -> list of problems`` to the gate into quality supervision."""
    register_stage_gate(Project.Stage.UNDER_SUPERVISION, check)


def register_stage_entered(stage: str, callback: Callable[..., None]) -> None:
    """Call ``callback(project=..., actor=...)`` whenever a project enters ``stage``."""
    callbacks = STAGE_ENTERED.setdefault(stage, [])
    if callback not in callbacks:
        callbacks.append(callback)


def project_stage_gaps(project: Project, stage: str) -> list[str]:
    """Everything still missing before ``project`` may enter ``stage`` (or get a permit)."""
    return [gap for check in STAGE_GATES.get(stage, []) for gap in check(project)]


def project_supervision_gaps(project: Project) -> list[str]:
    """Everything still missing before ``project`` may enter quality supervision."""
    return project_stage_gaps(project, Project.Stage.UNDER_SUPERVISION)


def _gate_messages(stage: str) -> str:
    if stage == PERMIT_GATE:
        return _("The construction permit number cannot be recorded yet.")
    if stage == Project.Stage.UNDER_SUPERVISION:
        return _("The project cannot enter quality supervision yet.")
    return _("The project cannot move to %(stage)s yet.") % {"stage": Project.Stage(stage).label}


@transaction.atomic
def project_stage_advance(
    *, project: Project, to_stage: str, actor: AbstractBaseUser | None
) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    if to_stage not in Project.Stage.values:
        raise ValidationError({"to_stage": _("'%(stage)s' is not a stage.") % {"stage": to_stage}})
    if to_stage != project.next_stage:
        if project.next_stage is None:
            message = _("The project is already in its last stage.")
        else:
            message = _(
                "A project moves one stage at a time: from %(current)s the next stage is %(next)s."
            ) % {
                "current": project.get_stage_display(),
                "next": Project.Stage(project.next_stage).label,
            }
        raise ValidationError({"to_stage": message})
    gaps = project_stage_gaps(project, to_stage)
    if gaps:
        raise ValidationError({"to_stage": [_gate_messages(to_stage), *gaps]})
    project.stage = to_stage
    ledgered_save(project, action="state", actor=actor)
    for callback in STAGE_ENTERED.get(to_stage, []):
        callback(project=project, actor=actor)
    return project


# --- Unit works and locations ---

UNIT_WORK_FIELDS = (
    "name",
    "structure_type",
    "floors_above",
    "floors_below",
    "gross_area",
    "design_service_life_years",
    "start_date",
    "completion_date",
)


@transaction.atomic
def unit_work_create(
    *,
    project: Project,
    name: str,
    structure_type: str,
    floors_above: int,
    gross_area,
    design_service_life_years: int,
    actor: AbstractBaseUser | None,
    floors_below: int = 0,
    start_date: datetime.date | None = None,
    completion_date: datetime.date | None = None,
) -> UnitWork:
    unit_work = UnitWork(
        project=project,
        name=name.strip(),
        structure_type=structure_type,
        floors_above=floors_above,
        floors_below=floors_below,
        gross_area=gross_area,
        design_service_life_years=design_service_life_years,
        start_date=start_date,
        completion_date=completion_date,
    )
    ledgered_save(unit_work, action="create", actor=actor)
    return unit_work


@transaction.atomic
def unit_work_update(
    *, unit_work: UnitWork, actor: AbstractBaseUser | None, **changes: Any
) -> UnitWork:
    model_update(unit_work, changes, allowed=UNIT_WORK_FIELDS)
    ledgered_save(unit_work, action="update", actor=actor)
    return unit_work


@transaction.atomic
def location_create(
    *,
    unit_work: UnitWork,
    kind: str,
    name: str,
    actor: AbstractBaseUser | None,
    parent: Location | None = None,
) -> Location:
    location = Location(unit_work=unit_work, parent=parent, kind=kind, name=name.strip())
    ledgered_save(location, action="create", actor=actor)
    return location


def location_in_use(location: Location) -> bool:
    """Whether a record of any app (a usage, an inspection lot …) points at ``location``:
    its sub-locations do not count. Asked through the model's reverse relations, so the
    apps above this layer need not register anything."""
    for relation in Location._meta.related_objects:
        if relation.related_model is Location:
            continue
        if relation.related_model._default_manager.filter(
            **{relation.field.name: location}
        ).exists():
            return True
    return False


@transaction.atomic
def location_rename(*, location: Location, name: str, actor: AbstractBaseUser | None) -> Location:
    """Rename ``location`` while no record points at it: afterwards records name it as they
    found it, so a new name would change what they say. Locations are never deleted."""
    location = Location.objects.select_for_update().get(pk=location.pk)
    if location_in_use(location):
        raise ValidationError(
            {
                "name": _(
                    "%(name)s is already named by records (usages or inspections), so it keeps"
                    " its name; add a new location instead."
                )
                % {"name": location.name}
            }
        )
    location.name = (name or "").strip()
    ledgered_save(location, action="update", actor=actor)
    return location


# --- Participations and lead tenures ---


@transaction.atomic
def participation_create(
    *,
    project: Project,
    organization: Organization,
    role: str,
    actor: AbstractBaseUser | None,
) -> Participation:
    participation = Participation(project=project, organization=organization, role=role)
    ledgered_save(participation, action="create", actor=actor)
    return participation


def _participation_for_role(project: Project, role: str) -> Participation:
    participations = list(project.participations.filter(role=role).select_related("organization"))
    if not participations:
        raise ValidationError(
            {
                "role": _(
                    "No organization takes part in the project as %(role)s; add the"
                    " participation first."
                )
                % {"role": Role(role).label}
            }
        )
    if len(participations) > 1:
        raise ValidationError(
            {
                "participation": _(
                    "Several organizations take part as %(role)s; say which one this lead"
                    " works for."
                )
                % {"role": Role(role).label}
            }
        )
    return participations[0]


@transaction.atomic
def lead_tenure_open(
    *,
    project: Project,
    role: str,
    person: Person,
    start_date: datetime.date,
    actor: AbstractBaseUser | None,
    participation: Participation | None = None,
) -> LeadTenure:
    """Open the first lead tenure of ``role`` on ``project``; later leads come by replacement,
    so a role's tenures follow each other with no gap and no overlap."""
    if role not in Role.values:
        raise ValidationError({"role": _("'%(role)s' is not a role.") % {"role": role}})
    # Lock the project so two first tenures for one role cannot race.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    if participation is None:
        participation = _participation_for_role(project, role)
    existing = project.lead_tenures.filter(role=role).select_related("person")
    current = next((t for t in existing if t.is_open), None)
    if current is not None:
        raise ValidationError(
            _(
                "%(name)s has led as %(role)s since %(date)s; to change the lead, replace"
                " that tenure."
            )
            % {"name": current.person.name, "role": Role(role).label, "date": current.start_date}
        )
    last = max(existing, key=lambda t: t.end_date, default=None)
    if last is not None and start_date < last.end_date:
        raise ValidationError(
            {
                "start_date": _("The tenure would overlap %(name)s's, which ended on %(date)s.")
                % {"name": last.person.name, "date": last.end_date}
            }
        )
    if last is not None and start_date > last.end_date:
        raise ValidationError(
            {
                "start_date": _(
                    "The role would have no lead between %(end)s and %(start)s; a tenure starts"
                    " on the day the previous one ended."
                )
                % {"end": last.end_date, "start": start_date}
            }
        )
    tenure = LeadTenure(
        project=project,
        role=role,
        participation=participation,
        person=person,
        start_date=start_date,
        person_snapshot=person.identity_snapshot(),
    )
    ledgered_save(tenure, action="create", actor=actor)
    return tenure


@transaction.atomic
def lead_tenure_replace(
    *,
    tenure: LeadTenure,
    person: Person,
    effective_date: datetime.date,
    reason: str,
    actor: AbstractBaseUser | None,
) -> LeadTenure:
    """End ``tenure`` on ``effective_date`` and open the successor's on the same day.
    Returns the new tenure; the old one keeps its dates, reason and a link to its successor."""
    tenure = LeadTenure.objects.select_for_update().select_related("person").get(pk=tenure.pk)
    if not tenure.is_open:
        raise ValidationError(
            _("This tenure already ended on %(date)s; replace the lead in office instead.")
            % {"date": tenure.end_date}
        )
    if person.pk == tenure.person_id:
        raise ValidationError({"person": _("The new lead must be a different person.")})
    if effective_date < tenure.start_date:
        raise ValidationError(
            {
                "effective_date": _(
                    "The change cannot take effect before %(name)s's tenure started on %(date)s."
                )
                % {"name": tenure.person.name, "date": tenure.start_date}
            }
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the lead is being replaced.")})
    tenure.end_date = effective_date
    tenure.end_reason = reason.strip()
    tenure.full_clean()
    tenure.save()
    successor = LeadTenure(
        project=tenure.project,
        role=tenure.role,
        participation=tenure.participation,
        person=person,
        start_date=effective_date,
        person_snapshot=person.identity_snapshot(),
    )
    ledgered_save(successor, action="create", actor=actor)
    tenure.successor = successor
    ledgered_save(tenure, action="state", actor=actor)
    return successor


# --- Memberships and regulators ---


@transaction.atomic
def membership_create(
    *,
    user: AbstractBaseUser,
    project: Project,
    role: str,
    actor: AbstractBaseUser | None,
    organization: Organization | None = None,
) -> Membership:
    membership = Membership(user=user, project=project, role=role, organization=organization)
    ledgered_save(membership, action="create", actor=actor)
    return membership


@transaction.atomic
def regulator_account_create(
    *,
    user: AbstractBaseUser,
    agency: str,
    jurisdiction_code: str,
    actor: AbstractBaseUser | None,
) -> RegulatorAccount:
    account = RegulatorAccount(
        user=user, agency=agency.strip(), jurisdiction_code=(jurisdiction_code or "").strip()
    )
    ledgered_save(account, action="create", actor=actor)
    return account


# --- Documents ---

# Scans and certificates: PDFs and images.
DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif")


def project_document_upload(
    *,
    project: Project,
    title: str,
    kind: str,
    fileobj,
    actor: AbstractBaseUser,
    declared_sha256: str | None = None,
) -> ProjectDocument:
    """Store the file as archival evidence, then record the document.

    Not one transaction: the object is put first (content-addressed, so a retry is harmless)
    and only then are the rows committed. The document's own fields are checked before
    anything is stored, so a refused upload leaves nothing behind.
    """
    document = ProjectDocument(project=project, title=(title or "").strip(), kind=kind)
    document.full_clean(exclude=["stored_object", "uploaded_by"])
    stored = object_store(
        fileobj=fileobj,
        user=actor,
        archival=True,
        original_name=getattr(fileobj, "name", "") or "",
        declared_sha256=declared_sha256,
        allowed_types=DOCUMENT_TYPES,
    )
    return _project_document_record(document=document, stored_object=stored, actor=actor)


@transaction.atomic
def _project_document_record(*, document: ProjectDocument, stored_object, actor) -> ProjectDocument:
    document.stored_object = stored_object
    document.uploaded_by = actor
    ledgered_save(document, action="create", actor=actor)
    return document


# --- Audit log and the audited reveal ---

REVEAL_REASON_MIN_LENGTH = 5


@transaction.atomic
def audit_event_record(
    *,
    actor,
    action: str,
    subject=None,
    project: Project | None = None,
    reason: str = "",
    request=None,
    changes: dict | None = None,
    outcome: str | None = None,
    outcome_detail: str | None = None,
) -> AuditEvent:
    """Record a read the archive must answer for, or an identity change with its reason, in
    the ledger too, in the caller's transaction: if it cannot be written, whatever it
    records must not happen. A long read (an export) is recorded ``started`` and then given
    its outcome with ``audit_event_outcome``."""
    event = AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        subject_type=record_type(subject) if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        subject=str(subject)[:300] if subject is not None else "",
        project=project,
        reason=(reason or "").strip(),
        remote_address=client_address(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300],
        changes=changes,
        outcome=outcome,
        outcome_detail=outcome_detail,
    )
    event.full_clean()
    event.save()
    ledger_append(record=event, action="event", actor=actor)
    return event


@transaction.atomic
def audit_event_outcome(*, event: AuditEvent, outcome: str, detail: str = "") -> AuditEvent:
    """How a started export ended (completed, or failed and why), as a new ledger entry of
    its event: the log keeps both, so it shows that the export began and how it ended."""
    if event.outcome != AuditEvent.Outcome.STARTED:
        raise ValueError(f"audit event {event.pk} has no outcome to wait for")
    event.outcome = outcome
    event.outcome_detail = detail.strip() or None
    ledgered_save(event, action="state", actor=event.actor)
    return event


REVEALABLE = {
    "id_number": ("id_number_ciphertext", AuditEvent.Action.REVEAL_ID_NUMBER),
    "phone": ("phone_ciphertext", AuditEvent.Action.REVEAL_PHONE),
}


@transaction.atomic
def person_reveal(
    *, person: Person, field: str, reason: str, actor, request=None, project=None
) -> tuple[str, AuditEvent]:
    """The full ID or phone number of ``person``, recorded in the audit log with who, when,
    from where and why (and for which ``project``, when the reveal was made from one).
    Access (regulators of the person's projects) is checked by the caller; this checks the
    request itself."""
    if field not in REVEALABLE:
        raise ValidationError({"field": _("Choose id_number or phone.")})
    reason = (reason or "").strip()
    if len(reason) < REVEAL_REASON_MIN_LENGTH:
        raise ValidationError(
            {
                "reason": _(
                    "Say why you need the full number (at least %(count)s characters); the"
                    " reason is kept in the audit log."
                )
                % {"count": REVEAL_REASON_MIN_LENGTH}
            }
        )
    column, action = REVEALABLE[field]
    ciphertext = getattr(person, column)
    if not ciphertext:
        raise ValidationError({"field": _("No phone number is on record for this person.")})
    event = audit_event_record(
        actor=actor, action=action, subject=person, project=project, reason=reason, request=request
    )
    return pii.decrypt(ciphertext), event


# --- API tokens (django-rest-knox) ---
# Sign-ins are not archive records: like the account's last_login, issuing and revoking a
# token is not ledgered. Lockouts, which may be someone guessing, are audit events.


@transaction.atomic
def api_token_issue(*, user, request=None) -> tuple[AuthToken, str]:
    """A new token for ``user``, who has just given the right password; returns the row and
    the token itself, which is shown only now (the row keeps a hash of it). The user's
    expired tokens are cleared out on the way."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    instance, token = AuthToken.objects.create(
        user=user, expiry=datetime.timedelta(hours=settings.API_TOKEN_HOURS)
    )
    # As knox's own login view does: last_login, and django-axes forgets earlier typos. A
    # token issued outside a request (a command, a test) has no sign-in to record.
    if request is not None:
        user_logged_in.send(sender=user.__class__, request=request, user=user)
    return instance, token


@transaction.atomic
def api_token_revoke(*, token: AuthToken) -> None:
    token.delete()


@transaction.atomic
def api_tokens_revoke_all(*, user) -> int:
    """Sign ``user`` out of the API everywhere; returns how many tokens were revoked."""
    count, _deleted = AuthToken.objects.filter(user=user).delete()
    return count
