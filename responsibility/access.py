"""Who may see, prepare and sign letters and pledges."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from projects.access import (
    can_write_project,
    not_found,
    project_for_user,
    projects_visible_to,
    regulator_account_of,
)
from projects.models import Project
from responsibility.models import DefectCase, ResponsibilityDocument


def document_for_user(user, project_id, document_id) -> ResponsibilityDocument:
    """A letter or pledge of a project ``user`` can see: members, regulators, operators."""
    project = project_for_user(user, project_id)
    document = (
        ResponsibilityDocument.objects.filter(project=project, pk=document_id)
        .select_related("signer", "lead_tenure__person", "participation__organization", "pdf")
        .first()
    )
    if document is None:
        raise not_found()
    return document


def document_prepare_check(user, project, signer_user_ids: set[int]) -> None:
    """Record keepers prepare documents; so may the person who will sign."""
    if can_write_project(user, project):
        return
    if user.pk in signer_user_ids:
        return
    raise PermissionDenied(
        _("Only site supervisors, project leads and the signers prepare letters and pledges.")
    )


def document_change_check(user, project) -> None:
    if not can_write_project(user, project):
        raise PermissionDenied(
            _("Only site supervisors and project leads can change this project's records.")
        )


# --- Defect cases ---


def defect_case_for_user(user, project_id, case_id) -> DefectCase:
    """A defect case of a project ``user`` can see: its parties, regulators whose
    jurisdiction covers it, operators. Everyone else gets a 404."""
    project = project_for_user(user, project_id)
    case = (
        DefectCase.objects.filter(project=project, pk=case_id)
        .select_related("project", "unit_work", "location", "opened_by", "closed_by")
        .first()
    )
    if case is None:
        raise not_found()
    return case


def _regulator_covers(user, project) -> bool:
    regulator = regulator_account_of(user)
    return regulator is not None and regulator.covers(project.jurisdiction_code)


def defect_case_open_check(user, project) -> None:
    """Those who keep the project's records, its regulators and operators open cases."""
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


def defect_case_photo_check(user, case) -> None:
    defect_case_open_check(user, case.project)


def defect_case_close_check(user, project) -> None:
    """A case is closed by the authority, not by the parties it may hold responsible."""
    if user.is_staff:
        return
    if _regulator_covers(user, project):
        return
    raise PermissionDenied(
        _("Only the project's regulators and archive operators close a defect case.")
    )


def oversight_projects(user) -> QuerySet[Project]:
    """The projects whose action lists a regulator (or an operator) watches."""
    if not (user.is_staff or regulator_account_of(user) is not None):
        raise PermissionDenied(_("The oversight lists are for regulators and archive operators."))
    return projects_visible_to(user)
