"""Who may see, prepare and sign letters and pledges."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from projects.access import can_write_project, not_found, project_for_user
from responsibility.models import ResponsibilityDocument


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
