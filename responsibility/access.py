"""Who may see, prepare and sign letters and pledges, see and install plaques, and open,
add to and close defect cases. Every API view and page asks these helpers, and the list
endpoints filter with the same ``*_visible_to`` querysets, so a list never shows what a
detail would refuse."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from projects.access import (
    can_write_project,
    not_found,
    project_for_user,
    project_records_visible_to,
    projects_in_jurisdiction_of,
    regulator_account_of,
    unit_work_for_user,
)
from projects.models import Person, Project
from responsibility.models import DefectCase, Plaque, ResponsibilityDocument
from responsibility.trace import evidence_objects, trace_collect
from storage.models import StoredObject

# --- Letters and pledges ---


def documents_visible_to(user) -> QuerySet[ResponsibilityDocument]:
    """Letters and pledges of the projects ``user`` can see: members, regulators, operators."""
    return project_records_visible_to(user, ResponsibilityDocument.objects.all())


def _signer_user_ids(project: Project) -> set[int]:
    """The users who will sign the project's letters and pledges: its leads in office and
    the legal representatives of its parties."""
    leads = Person.objects.filter(
        lead_tenures__project=project, lead_tenures__end_date__isnull=True
    ).values_list("user_id", flat=True)
    representatives = Person.objects.filter(
        represented_organizations__participations__project=project
    ).values_list("user_id", flat=True)
    return set(leads) | set(representatives)


def document_project_for_user(user, project_id, *, write: bool = False) -> Project:
    """The project whose letters and pledges ``user`` may see (and prepare, with ``write``):
    record keepers prepare them, and so may the people who will sign."""
    project = project_for_user(user, project_id)
    if not write:
        return project
    if can_write_project(user, project):
        return project
    if user.pk in _signer_user_ids(project):
        return project
    raise PermissionDenied(
        _("Only site supervisors, project leads and the signers prepare letters and pledges.")
    )


def document_for_user(
    user, project_id, document_id, *, write: bool = False
) -> ResponsibilityDocument:
    """A letter or pledge ``user`` can see (and change, correct or discard, with ``write``).

    ``project_id`` is the project of the URL; the signing pages name a document by its id
    alone and pass None. Anyone who cannot see it gets a 404, as for its project.
    """
    documents = documents_visible_to(user).filter(pk=document_id)
    if project_id is not None:
        documents = documents.filter(project_id=project_id)
    document = documents.select_related(
        "project", "signer", "lead_tenure__person", "participation__organization", "pdf"
    ).first()
    if document is None:
        raise not_found()
    if not write:
        return document
    if can_write_project(user, document.project):
        return document
    raise PermissionDenied(
        _("Only site supervisors and project leads can change this project's records.")
    )


# --- Plaques ---


def plaques_visible_to(user) -> QuerySet[Plaque]:
    return project_records_visible_to(
        user, Plaque.objects.all(), project_field="unit_work__project"
    )


def plaque_for_user(user, project_id, unit_work_id, *, write: bool = False) -> Plaque:
    """The plaque of a unit work ``user`` can see (and record its installation, with
    ``write``). A unit work whose completion is not accepted yet has none: that is a 400
    that says so, not a 404, since the unit work is there."""
    unit_work = unit_work_for_user(user, project_id, unit_work_id, write=write)
    plaque = (
        plaques_visible_to(user)
        .filter(unit_work=unit_work)
        .select_related("unit_work__project")
        .first()
    )
    if plaque is None:
        raise ValidationError(
            _("%(unit)s has no plaque yet: it is frozen when completion is accepted.")
            % {"unit": unit_work.name}
        )
    return plaque


# --- Defect cases ---


def defect_cases_visible_to(user) -> QuerySet[DefectCase]:
    """Defect cases of the projects ``user`` can see: its parties, regulators whose
    jurisdiction covers it, operators."""
    return project_records_visible_to(user, DefectCase.objects.all())


def _regulator_covers(user, project) -> bool:
    regulator = regulator_account_of(user)
    return regulator is not None and regulator.covers(project.jurisdiction_code)


def _defect_case_open_check(user, project) -> None:
    """Those who keep the project's records, its regulators and operators open cases and
    add evidence to them."""
    if user.is_staff:
        return
    if can_write_project(user, project):
        return
    if _regulator_covers(user, project):
        return
    raise PermissionDenied(
        _(
            "Only site supervisors, project leads, the project's regulators and operators"
            " open defect cases."
        )
    )


def _defect_case_close_check(user, project) -> None:
    """A case is closed by the authority, not by the parties it may hold responsible."""
    if user.is_staff:
        return
    if _regulator_covers(user, project):
        return
    raise PermissionDenied(
        _("Only the project's regulators and archive operators close a defect case.")
    )


def may_open_defect_case(user, project) -> bool:
    """Whether ``user`` may open a case on ``project`` (what a page offers)."""
    try:
        _defect_case_open_check(user, project)
    except PermissionDenied:
        return False
    return True


def may_close_defect_case(user, project) -> bool:
    """Whether ``user`` may close a case of ``project`` (what a page offers)."""
    try:
        _defect_case_close_check(user, project)
    except PermissionDenied:
        return False
    return True


def defect_case_project_for_user(user, project_id, *, write: bool = False) -> Project:
    """The project whose defect cases ``user`` may see (and open one in, with ``write``)."""
    project = project_for_user(user, project_id)
    if write:
        _defect_case_open_check(user, project)
    return project


def defect_case_for_user(
    user, project_id, case_id, *, write: bool = False, close: bool = False
) -> DefectCase:
    """A defect case ``user`` can see; with ``write`` one they may add evidence to (as
    those who open cases), with ``close`` one they may close. Everyone else who cannot see
    it gets a 404."""
    project = project_for_user(user, project_id)
    case = (
        defect_cases_visible_to(user)
        .filter(project=project, pk=case_id)
        .select_related("project", "unit_work", "location", "opened_by", "closed_by")
        .first()
    )
    if case is None:
        raise not_found()
    if write:
        _defect_case_open_check(user, project)
    if close:
        _defect_case_close_check(user, project)
    return case


def defect_case_file_for_user(user, project_id, case_id, object_id) -> StoredObject:
    """A file of a case ``user`` can see: one the case holds or one its trace names."""
    case = defect_case_for_user(user, project_id, case_id)
    held = StoredObject.objects.filter(pk=object_id, defect_case_holds__case=case).first()
    if held is not None:
        return held
    traced = next((o for o in evidence_objects(trace_collect(case)) if o.pk == object_id), None)
    if traced is None:
        raise not_found()
    return traced


# --- Oversight ---


def oversight_projects(user) -> QuerySet[Project]:
    """The projects whose action lists a regulator (or an operator) watches: an operator's
    every project, a regulator's jurisdiction — not the projects elsewhere they are a member
    of, which are not theirs to oversee."""
    if user.is_staff:
        return Project.objects.all()
    regulator = regulator_account_of(user)
    if regulator is None:
        raise PermissionDenied(_("The oversight lists are for regulators and archive operators."))
    return projects_in_jurisdiction_of(regulator)
