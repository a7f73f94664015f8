"""Writes for defect and accountability cases: opening (with legal holds on the evidence),
photos, closing (lifting the holds no other open case needs).

Holds are placed inside the case's transaction, after its row: if the object store is
unreachable the whole opening is rolled back (503, no case). A hold already placed on an
object before the failure stays on in the store — the safe direction; the next opening of
the case, or the storage reconciler, sees it.
"""

from __future__ import annotations

import datetime
import secrets

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.models import Photo
from inspections.services import photo_ingest
from ledger.models import LedgerEntry
from ledger.services import ledgered_save
from projects.models import LeadTenure, Location, Project, UnitWork
from responsibility.models import DefectCase, DefectCaseHold
from responsibility.trace import evidence_objects, trace_collect
from storage.models import StoredObject
from storage.services import object_legal_hold_set


def _new_number() -> str:
    return f"QX{timezone.now():%Y%m%d}-{secrets.token_hex(4).upper()}"


def _work_started(project: Project, unit_work: UnitWork) -> datetime.date | None:
    """When work began: the unit work's start date, else the first lead tenure's."""
    if unit_work.start_date is not None:
        return unit_work.start_date
    first = LeadTenure.objects.filter(project=project).order_by("start_date").first()
    return first.start_date if first else None


def defect_case_place(*, project: Project, unit_work_id, location_id) -> tuple[UnitWork, Location]:
    """The unit work and location a new case names, by id: each must be ``project``'s
    (whether the location is in the unit work is ``defect_case_check``'s to say)."""
    unit_work = UnitWork.objects.filter(pk=unit_work_id, project=project).first()
    if unit_work is None:
        raise ValidationError({"unit_work": _("This project has no such unit work.")})
    location = (
        Location.objects.filter(pk=location_id, unit_work__project=project)
        .select_related("unit_work")
        .first()
    )
    if location is None:
        raise ValidationError({"location": _("This project has no such location.")})
    return unit_work, location


def defect_case_check(
    *,
    project: Project,
    unit_work: UnitWork,
    location: Location,
    discovered_on: datetime.date,
) -> None:
    """The refusals of a new case, each saying what is wrong."""
    if unit_work.project_id != project.pk:
        raise ValidationError({"unit_work": _("This unit work belongs to another project.")})
    if location.unit_work_id != unit_work.pk:
        raise ValidationError(
            {
                "location": _(
                    "This location is not in %(unit)s: choose a location of the unit work"
                    " where the defect was found."
                )
                % {"unit": unit_work.name}
            }
        )
    today = timezone.localdate()
    if discovered_on > today:
        raise ValidationError(
            {
                "discovered_on": _("The discovery date %(date)s is in the future.")
                % {"date": discovered_on.isoformat()}
            }
        )
    started = _work_started(project, unit_work)
    if started is not None and discovered_on < started:
        raise ValidationError(
            {
                "discovered_on": _(
                    "The discovery date %(date)s is before work on %(unit)s started (%(started)s)."
                )
                % {
                    "date": discovered_on.isoformat(),
                    "unit": unit_work.name,
                    "started": started.isoformat(),
                }
            }
        )
    ends = unit_work.responsibility_ends
    if ends is not None and discovered_on > ends:
        raise ValidationError(
            {
                "discovered_on": _(
                    "The discovery date %(date)s is after the responsibility horizon of"
                    " %(unit)s, which ended on %(ends)s (completion %(completion)s plus"
                    " %(years)s years of design service life)."
                )
                % {
                    "date": discovered_on.isoformat(),
                    "unit": unit_work.name,
                    "ends": ends.isoformat(),
                    "completion": unit_work.completion_date.isoformat(),
                    "years": unit_work.design_service_life_years,
                }
            }
        )


def _hold(*, case: DefectCase, obj: StoredObject, actor) -> None:
    if DefectCaseHold.objects.filter(case=case, stored_object=obj).exists():
        return
    if not obj.legal_hold:
        object_legal_hold_set(obj=obj, on=True, actor=actor)
    ledgered_save(
        DefectCaseHold(case=case, stored_object=obj, held_at=timezone.now()),
        action=LedgerEntry.Action.CREATE,
        actor=actor,
    )


@transaction.atomic
def defect_case_open(
    *,
    project: Project,
    unit_work: UnitWork,
    location: Location,
    discovered_on: datetime.date,
    description: str,
    category: str,
    trigger: str,
    actor: AbstractBaseUser,
) -> DefectCase:
    """Open a case and put a legal hold on every archived file of its trace."""
    defect_case_check(
        project=project, unit_work=unit_work, location=location, discovered_on=discovered_on
    )
    case = DefectCase(
        number=_new_number(),
        project=project,
        unit_work=unit_work,
        location=location,
        discovered_on=discovered_on,
        description=(description or "").strip(),
        category=category,
        trigger=trigger,
        opened_by=actor,
        opened_at=timezone.now(),
    )
    ledgered_save(case, action=LedgerEntry.Action.CREATE, actor=actor)
    for obj in _locked([o.pk for o in evidence_objects(trace_collect(case))]):
        _hold(case=case, obj=obj, actor=actor)
    return case


def _locked(object_ids: list[int]) -> list[StoredObject]:
    """The objects, re-read under a row lock (in one order, so cases opening and closing at
    the same time wait for each other instead of deadlocking): whether an object is held,
    and by which open cases, is decided on what is committed."""
    return list(StoredObject.objects.select_for_update().filter(pk__in=object_ids).order_by("pk"))


def defect_case_photo_add(
    *,
    case: DefectCase,
    fileobj,
    actor: AbstractBaseUser,
    caption: str = "",
    declared_sha256: str | None = None,
    device_captured_at: datetime.datetime | None = None,
) -> tuple[Photo, bool]:
    """An evidence photo of the case (an ordinary ``inspections`` photo), held while the
    case is open."""
    photo, created = photo_ingest(
        subject=case,
        fileobj=fileobj,
        actor=actor,
        caption=caption,
        location=case.location,
        declared_sha256=declared_sha256,
        device_captured_at=device_captured_at,
    )
    with transaction.atomic():
        locked = DefectCase.objects.select_for_update().get(pk=case.pk)
        if locked.is_open:
            _hold(case=locked, obj=_locked([photo.original_id])[0], actor=actor)
    return photo, created


@transaction.atomic
def defect_case_close(*, case: DefectCase, reason: str, actor: AbstractBaseUser) -> DefectCase:
    """Close a case and lift the holds of the files no other open case holds."""
    locked = DefectCase.objects.select_for_update().get(pk=case.pk)
    if not locked.is_open:
        raise ValidationError(
            _("Case %(number)s was already closed on %(date)s.")
            % {
                "number": locked.number,
                "date": timezone.localtime(locked.closed_at).strftime("%Y-%m-%d %H:%M"),
            },
            code="closed",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the case is closed.")})
    now = timezone.now()
    locked.state = DefectCase.State.CLOSED
    locked.closed_by = actor
    locked.closed_at = now
    locked.close_reason = reason
    ledgered_save(locked, action=LedgerEntry.Action.STATE, actor=actor)
    holds = list(DefectCaseHold.objects.filter(case=locked, released_at__isnull=True))
    objects = {obj.pk: obj for obj in _locked([h.stored_object_id for h in holds])}
    for hold in holds:
        hold.stored_object = objects[hold.stored_object_id]
    still_held = set(
        DefectCaseHold.objects.filter(
            stored_object__in=[h.stored_object_id for h in holds],
            case__state=DefectCase.State.OPEN,
        )
        .exclude(case=locked)
        .values_list("stored_object_id", flat=True)
    )
    for hold in holds:
        hold.released_at = now
        ledgered_save(hold, action=LedgerEntry.Action.UPDATE, actor=actor)
        if hold.stored_object_id not in still_held and hold.stored_object.legal_hold:
            object_legal_hold_set(obj=hold.stored_object, on=False, actor=actor)
    return locked
