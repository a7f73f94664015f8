"""Writes to materials records: keyword-only, validated, one transaction, one ledger entry
per written row. Files are put in the object store first (content-addressed, so a retry is
harmless), after the record's own fields have been checked."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.services import ledger_append, ledgered_save, model_update
from materials import catalogue
from materials.models import (
    Batch,
    BatchFile,
    DefectNotice,
    Delivery,
    DeliveryPhoto,
    MaterialCategory,
    RecallAction,
    RecallEvidence,
    Sample,
    TestReport,
    Usage,
)
from materials.selectors import delivery_used_quantity, notice_affected_projects
from projects.models import Location, Membership, Organization, Person, Project, Role
from storage.photos import StoredPhoto, photo_store
from storage.services import object_store

# Certificates, reports and evidence: PDFs and images.
DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif")
CONTRACTOR_ROLES = (Role.CONTRACTOR, Role.GENERAL_CONTRACTOR)


def _plain(number: Decimal) -> str:
    """1000.000 → "1000", 2.500 → "2.5" (``normalize`` alone would say 1E+3)."""
    return f"{number.normalize():f}"


def _quantity(value) -> Decimal | None:
    """Quantities as the column stores them (3 places), so the ledger hashes what is read
    back later: 120 and 120.000 hash differently."""
    if value is None:
        return None
    try:
        return Decimal(value).quantize(Decimal("0.001"))
    except ArithmeticError:
        return Decimal(value)


def _store(*, fileobj, actor, allowed_types) -> object:
    return object_store(
        fileobj=fileobj,
        user=actor,
        archival=True,
        original_name=getattr(fileobj, "name", "") or "",
        allowed_types=allowed_types,
    )


def _organizations_in_roles(project: Project, roles: Iterable[str]):
    return Organization.objects.filter(
        participations__project=project, participations__role__in=list(roles)
    )


# --- Catalogue ---


@transaction.atomic
def material_catalogue_install(*, actor=None) -> list[MaterialCategory]:
    """Add the shipped categories that are missing; never overwrite an operator's edits."""
    created = []
    existing = set(MaterialCategory.objects.values_list("code", flat=True))
    for code, name, unit, witness, structural, ccc, retest in catalogue.CATALOGUE:
        if code in existing:
            continue
        category = MaterialCategory(
            code=code,
            name=name,
            unit=unit,
            witness_sampling_required=witness,
            structural=structural,
            ccc_required=ccc,
            retest_items=retest,
        )
        ledgered_save(category, action="create", actor=actor)
        created.append(category)
    return created


@transaction.atomic
def material_category_create(*, category: MaterialCategory, actor) -> MaterialCategory:
    ledgered_save(category, action="create", actor=actor)
    return category


# What an operator may change of a category in the admin (all of it: it is the catalogue).
CATEGORY_FIELDS = (
    "code",
    "name",
    "unit",
    "witness_sampling_required",
    "structural",
    "ccc_required",
    "retest_items",
)


@transaction.atomic
def material_category_update(*, category: MaterialCategory, actor, **changes) -> MaterialCategory:
    model_update(category, changes, allowed=CATEGORY_FIELDS)
    ledgered_save(category, action="update", actor=actor)
    return category


# --- Batches ---


@transaction.atomic
def batch_create(
    *,
    category: MaterialCategory,
    manufacturer: Organization,
    product: str,
    model_spec: str,
    batch_number: str,
    production_date: date,
    actor: AbstractBaseUser,
    ccc_certificate_number: str = "",
    recorded_for: Project | None = None,
) -> Batch:
    batch = Batch(
        category=category,
        manufacturer=manufacturer,
        product=(product or "").strip(),
        model_spec=(model_spec or "").strip(),
        batch_number=(batch_number or "").strip(),
        production_date=production_date,
        ccc_certificate_number=(ccc_certificate_number or "").strip(),
        recorded_for=recorded_for,
        created_by=actor,
    )
    ledgered_save(batch, action="create", actor=actor)
    return batch


def batch_file_add(
    *, batch: Batch, kind: str, fileobj, actor: AbstractBaseUser, reason: str = ""
) -> BatchFile:
    """Add a version of a batch's certificate of conformity or type-test report. The first
    file of a kind is version 1; a later one is a correction that needs a reason and leaves
    every earlier version as it was."""
    if kind not in BatchFile.Kind.values:
        raise ValidationError(
            {"document": _("Attach a certificate_of_conformity or a type_test_report.")}
        )
    reason = (reason or "").strip()
    # Checked before the file is stored too, so a refused correction stores nothing.
    _batch_file_reason_check(batch=batch, kind=kind, reason=reason)
    stored = _store(fileobj=fileobj, actor=actor, allowed_types=DOCUMENT_TYPES)
    return _batch_file_record(batch=batch, kind=kind, stored=stored, reason=reason, actor=actor)


def _batch_file_reason_check(*, batch: Batch, kind: str, reason: str) -> BatchFile | None:
    current = BatchFile.objects.filter(batch=batch, kind=kind).order_by("-version").first()
    if current is not None and not reason:
        raise ValidationError(
            {
                "reason": _(
                    "This batch already has a %(kind)s (version %(version)s). To correct it,"
                    " send the new file with a reason; the earlier version is kept."
                )
                % {"kind": BatchFile.Kind(kind).label, "version": current.version}
            }
        )
    return current


@transaction.atomic
def _batch_file_record(*, batch: Batch, kind: str, stored, reason: str, actor) -> BatchFile:
    # The batch row is the lock: versions of one batch are numbered one at a time. NO KEY
    # UPDATE, so that new deliveries' foreign-key checks on the batch are not blocked (see
    # _locked).
    batch = Batch.objects.select_for_update(no_key=True).get(pk=batch.pk)
    current = _batch_file_reason_check(batch=batch, kind=kind, reason=reason)
    if current is not None and current.stored_object.sha256 == stored.sha256:
        raise ValidationError(
            {
                "file": _(
                    "This file is the same as the current version %(version)s; a correction"
                    " must be a different file."
                )
                % {"version": current.version}
            }
        )
    version = BatchFile(
        batch=batch,
        kind=kind,
        version=1 if current is None else current.version + 1,
        supersedes=current,
        stored_object=stored,
        reason=reason,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    ledgered_save(version, action="create", actor=actor)
    return version


# --- Deliveries ---


@transaction.atomic
def delivery_create(
    *,
    project: Project,
    batch: Batch,
    quantity: Decimal,
    unit: str,
    delivered_on: date,
    inspected_by: Person,
    actor: AbstractBaseUser,
    supplier: Organization | None = None,
) -> Delivery:
    delivery = Delivery(
        project=project,
        batch=batch,
        quantity=_quantity(quantity),
        unit=unit,
        delivered_on=delivered_on,
        inspected_by=inspected_by,
        supplier=supplier,
        created_by=actor,
    )
    contractors = _organizations_in_roles(project, CONTRACTOR_ROLES)
    if not contractors.filter(pk=inspected_by.organization_id).exists():
        raise ValidationError(
            {
                "inspected_by": _(
                    "The delivery is inspected by the contractor: %(name)s does not work for"
                    " this project's contractor."
                )
                % {"name": inspected_by.name}
            }
        )
    ledgered_save(delivery, action="create", actor=actor)
    return delivery


def delivery_photo_add(
    *, delivery: Delivery, kind: str, fileobj, actor: AbstractBaseUser
) -> DeliveryPhoto:
    """A photo of a delivery's label or delivery note, stored like every evidence photo
    (``photo_store``): flagged if taken far from the delivery date or the project site."""
    photo = DeliveryPhoto(delivery=delivery, kind=kind)
    photo.full_clean(exclude=["stored_object", "uploaded_by"])
    stored = photo_store(
        fileobj=fileobj,
        user=actor,
        subject_date=delivery.delivered_on,
        site=delivery.project.site,
    )
    return _photo_record(photo=photo, stored=stored, actor=actor)


@transaction.atomic
def _photo_record(*, photo: DeliveryPhoto, stored: StoredPhoto, actor) -> DeliveryPhoto:
    photo.stored_object = stored.original
    for name, value in stored.fields().items():
        setattr(photo, name, value)
    photo.uploaded_by = actor
    ledgered_save(photo, action="create", actor=actor)
    return photo


def _locked(delivery: Delivery) -> Delivery:
    # Only the delivery's row, and FOR NO KEY UPDATE: a plain FOR UPDATE here also locked the
    # joined batch and category rows in the strongest mode, which blocks the foreign-key
    # check another writer's new delivery of the same batch makes at COMMIT, after it has
    # taken the ledger's head lock this transaction then waits for: a deadlock (found by
    # tests/ops/test_production_load.py as a 500 on concurrent delivery creation).
    return (
        Delivery.objects.select_for_update(no_key=True, of=("self",))
        .select_related("batch__category")
        .get(pk=delivery.pk)
    )


def _undecided_check(delivery: Delivery) -> None:
    if delivery.state in (Delivery.State.ACCEPTED, Delivery.State.REJECTED):
        raise ValidationError(
            _("This delivery was already %(state)s; its decision cannot change.")
            % {"state": delivery.get_state_display()}
        )


@transaction.atomic
def delivery_accept(*, delivery: Delivery, actor: AbstractBaseUser) -> Delivery:
    """The supervisor accepts the delivery: refused while a sample failed, and while a
    category that needs witness sampling has no sample or an untested one."""
    delivery = _locked(delivery)
    _undecided_check(delivery)
    samples = list(delivery.samples.select_related("report"))
    reports = [getattr(sample, "report", None) for sample in samples]
    if any(r is not None and r.result == TestReport.Result.FAIL for r in reports):
        raise ValidationError(
            _(
                "A sample of this delivery failed its test: it cannot be accepted. Reject it"
                " and have it removed from site."
            )
        )
    if delivery.batch.category.witness_sampling_required:
        if not samples:
            raise ValidationError(
                _("%(category)s needs a witness sample before the delivery can be accepted.")
                % {"category": delivery.batch.category.name}
            )
        if any(r is None for r in reports):
            raise ValidationError(
                _("A sample of this delivery has no test report yet: accept it once tested.")
            )
    delivery.state = Delivery.State.ACCEPTED
    delivery.decided_by = actor
    delivery.decided_at = timezone.now()
    ledgered_save(delivery, action="state", actor=actor)
    return delivery


@transaction.atomic
def delivery_reject(
    *, delivery: Delivery, reason: str, removed_on: date, actor: AbstractBaseUser
) -> Delivery:
    delivery = _locked(delivery)
    _undecided_check(delivery)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the delivery is rejected.")})
    if removed_on < delivery.delivered_on:
        raise ValidationError(
            {"removed_on": _("The material cannot be removed before it was delivered.")}
        )
    delivery.state = Delivery.State.REJECTED
    delivery.rejection_reason = reason.strip()
    delivery.removed_on = removed_on
    delivery.decided_by = actor
    delivery.decided_at = timezone.now()
    ledgered_save(delivery, action="state", actor=actor)
    return delivery


# --- Samples and test reports ---


def witness_is_authorized(*, person: Person, project: Project) -> bool:
    """A witness is a site supervisor of the project, or a member of its owner or supervision
    unit, with an account on THIS project."""
    if person.user_id is None:
        return False
    memberships = Membership.objects.filter(user=person.user_id, project=project)
    if memberships.filter(role=Membership.Role.SITE_SUPERVISOR).exists():
        return True
    witnessing = _organizations_in_roles(project, (Role.OWNER, Role.SUPERVISOR))
    return memberships.filter(organization__in=witnessing).exists()


@transaction.atomic
def sample_create(
    *,
    delivery: Delivery,
    seal_number: str,
    sampling_location: str,
    sampled_on: date,
    sampler: Person,
    testing_lab: Organization,
    actor: AbstractBaseUser,
    witness: Person | None = None,
) -> Sample:
    delivery = _locked(delivery)
    _undecided_check(delivery)
    sample = Sample(
        delivery=delivery,
        seal_number=(seal_number or "").strip(),
        sampling_location=(sampling_location or "").strip(),
        sampled_on=sampled_on,
        sampler=sampler,
        witness=witness,
        testing_lab=testing_lab,
        created_by=actor,
    )
    errors = {}
    if sampled_on and sampled_on < delivery.delivered_on:
        errors["sampled_on"] = _("A sample cannot be taken before the delivery arrived.")
    contractors = _organizations_in_roles(delivery.project, CONTRACTOR_ROLES)
    if not contractors.filter(pk=sampler.organization_id).exists():
        errors["sampler"] = _(
            "Samples are taken by the contractor: %(name)s does not work for this project's"
            " contractor."
        ) % {"name": sampler.name}
    if witness is not None and not witness_is_authorized(person=witness, project=delivery.project):
        errors["witness"] = _(
            "%(name)s is not authorized as a witness on this project: a witness is a site"
            " supervisor or a member of the owner or supervision unit on the project."
        ) % {"name": witness.name}
    if errors:
        raise ValidationError(errors)
    ledgered_save(sample, action="create", actor=actor)
    if delivery.state == Delivery.State.PENDING:
        delivery.state = Delivery.State.SAMPLED
        ledgered_save(delivery, action="state", actor=actor)
    return sample


def sample_report_add(
    *,
    sample: Sample,
    report_number: str,
    result: str,
    tested_on: date,
    fileobj,
    actor: AbstractBaseUser,
) -> TestReport:
    report = TestReport(
        sample=sample,
        report_number=(report_number or "").strip(),
        result=result,
        tested_on=tested_on,
        created_by=actor,
    )
    report.full_clean(exclude=["stored_object"])
    if tested_on < sample.sampled_on:
        raise ValidationError({"tested_on": _("A sample cannot be tested before it was taken.")})
    stored = _store(fileobj=fileobj, actor=actor, allowed_types=DOCUMENT_TYPES)
    return _report_record(report=report, stored=stored, actor=actor)


@transaction.atomic
def _report_record(*, report: TestReport, stored, actor) -> TestReport:
    _locked(report.sample.delivery)  # one report at a time per delivery
    report.stored_object = stored
    ledgered_save(report, action="create", actor=actor)
    return report


# --- Usages ---


@transaction.atomic
def usage_create(
    *,
    delivery: Delivery,
    location: Location,
    quantity: Decimal,
    used_on: date,
    actor: AbstractBaseUser,
    installer: Organization | None = None,
    acceptance_record=None,
) -> Usage:
    """Record material used from an accepted delivery. The delivery row is locked, so two
    concurrent usages cannot together take more than was delivered."""
    delivery = _locked(delivery)
    if delivery.state != Delivery.State.ACCEPTED:
        raise ValidationError(
            _("Only accepted deliveries can be used; this one is %(state)s.")
            % {"state": delivery.get_state_display()}
        )
    contractors = _organizations_in_roles(delivery.project, CONTRACTOR_ROLES)
    if installer is None:
        installer = contractors.order_by("participations__role").first()
    usage = Usage(
        delivery=delivery,
        location=location,
        installer=installer,
        quantity=_quantity(quantity),
        used_on=used_on,
        acceptance_record=acceptance_record,
        created_by=actor,
    )
    errors = _acceptance_link_errors(usage)
    if location.unit_work.project_id != delivery.project_id:
        errors["location"] = _("The location belongs to another project.")
    if installer is None or not contractors.filter(pk=installer.pk).exists():
        errors["installer"] = _("The installer must be this project's contractor.")
    quantity = usage.quantity
    if quantity is not None and quantity <= 0:
        errors["quantity"] = _("The quantity must be greater than zero.")
    elif quantity is not None:
        remaining = delivery.quantity - delivery_used_quantity(delivery=delivery)
        if quantity > remaining:
            errors["quantity"] = _(
                "Only %(remaining)s %(unit)s of this delivery are left to use."
            ) % {"remaining": _plain(remaining), "unit": delivery.get_unit_display()}
    if used_on and used_on < delivery.delivered_on:
        errors["used_on"] = _("Material cannot be used before it was delivered.")
    if errors:
        raise ValidationError(errors)
    ledgered_save(usage, action="create", actor=actor)
    return usage


def _acceptance_link_errors(usage: Usage) -> dict:
    """Why ``usage`` cannot name its acceptance record, if it cannot: the record must be of
    the same project and unit work, for a piece of work, and not accepted before the material
    was used."""
    record = usage.acceptance_record
    if record is None:
        return {}
    refusal = None
    if record.project_id != usage.delivery.project_id:
        refusal = _("The acceptance record belongs to another project.")
    elif record.level == "completion":
        refusal = _(
            "Link material to the acceptance of the work it went into (an inspection lot,"
            " sub-item, division or concealed works), not to the completion acceptance."
        )
    elif record.unit_work_id and record.unit_work_id != usage.location.unit_work_id:
        refusal = _("The acceptance record covers another unit work than this location.")
    elif record.accepted_at and usage.used_on and record.accepted_at.date() < usage.used_on:
        refusal = _(
            "That work was accepted on %(accepted)s, before this material was used on %(used)s."
        ) % {"accepted": record.accepted_at.date().isoformat(), "used": usage.used_on.isoformat()}
    return {"acceptance_record": refusal} if refusal else {}


@transaction.atomic
def usage_acceptance_link(*, usage: Usage, acceptance_record, actor: AbstractBaseUser) -> Usage:
    """Name the acceptance record of the work a usage went into, when it was not named at
    creation. A link, once made, is never changed: it is evidence."""
    usage = (
        Usage.objects.select_for_update(no_key=True, of=("self",))  # see _locked
        .select_related("delivery", "location")
        .get(pk=usage.pk)
    )
    if usage.acceptance_record_id == acceptance_record.pk:
        return usage
    if usage.acceptance_record_id is not None:
        raise ValidationError(
            {
                "acceptance_record": _(
                    "This usage is already linked to acceptance record %(record)s; a link is"
                    " never changed."
                )
                % {"record": usage.acceptance_record_id}
            }
        )
    usage.acceptance_record = acceptance_record
    errors = _acceptance_link_errors(usage)
    if errors:
        raise ValidationError(errors)
    ledgered_save(usage, action="update", actor=actor)
    return usage


# --- Recall ---


@transaction.atomic
def defect_notice_issue(
    *,
    manufacturer: Organization,
    product: str,
    source: str,
    issued_on: date,
    actor: AbstractBaseUser,
    batch_number_from: str = "",
    batch_number_to: str = "",
    batches: Iterable[Batch] = (),
    description: str = "",
) -> DefectNotice:
    batches = list(batches)
    notice = DefectNotice(
        manufacturer=manufacturer,
        product=(product or "").strip(),
        batch_number_from=(batch_number_from or "").strip(),
        batch_number_to=(batch_number_to or "").strip(),
        source=(source or "").strip(),
        issued_on=issued_on,
        description=description or "",
        issued_by=actor,
    )
    if not notice.has_range and not batches:
        raise ValidationError(_("Name a range of batch numbers or at least one batch."))
    foreign = [
        b for b in batches if b.manufacturer_id != manufacturer.pk or b.product != notice.product
    ]
    if foreign:
        raise ValidationError(
            {
                "batches": _("Batch %(number)s is not this manufacturer's %(product)s.")
                % {"number": foreign[0].batch_number, "product": notice.product}
            }
        )
    ledgered_save(notice, action="create", actor=actor)
    if batches:
        notice.batches.set(batches)
        # The hash covers the row's columns; the named batches are recorded as an event.
        ledger_append(record=notice, action="event", actor=actor)
    return notice


@transaction.atomic
def recall_action_open(
    *,
    notice: DefectNotice,
    project: Project,
    kind: str,
    actor: AbstractBaseUser,
    description: str = "",
) -> RecallAction:
    if not notice_affected_projects(notice=notice, user=actor).filter(pk=project.pk).exists():
        raise ValidationError({"project": _("This notice does not affect the project.")})
    action = RecallAction(
        notice=notice, project=project, kind=kind, description=description, opened_by=actor
    )
    ledgered_save(action, action="create", actor=actor)
    return action


def recall_evidence_add(
    *, action: RecallAction, fileobj, actor: AbstractBaseUser
) -> RecallEvidence:
    stored = _store(fileobj=fileobj, actor=actor, allowed_types=DOCUMENT_TYPES)
    return _evidence_record(action=action, stored=stored, actor=actor)


@transaction.atomic
def _evidence_record(*, action: RecallAction, stored, actor) -> RecallEvidence:
    evidence = RecallEvidence(action=action, stored_object=stored, uploaded_by=actor)
    ledgered_save(evidence, action="create", actor=actor)
    return evidence


@transaction.atomic
def recall_action_close(
    *, action: RecallAction, note: str, actor: AbstractBaseUser
) -> RecallAction:
    action = RecallAction.objects.select_for_update().get(pk=action.pk)
    if not action.is_open:
        raise ValidationError(_("This action is already closed."))
    if not action.evidence.exists():
        raise ValidationError(_("Attach evidence of what was done before closing the action."))
    if not (note or "").strip():
        raise ValidationError({"note": _("Say how the action was completed.")})
    action.closed_at = timezone.now()
    action.closed_by = actor
    action.closing_note = note.strip()
    ledgered_save(action, action="state", actor=actor)
    return action
