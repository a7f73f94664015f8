"""Who may see and change materials records. Project-bound records follow the project's
rules (``projects.access``); batches and notices are archive-wide and have their own."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from materials.models import Batch, DefectNotice, Delivery
from projects.access import not_found, projects_visible_to, regulator_account_of
from projects.models import Membership, Project


def batches_visible_to(user) -> QuerySet[Batch]:
    # A manufacturer's batch is product information, not a project's record.
    if not user.is_authenticated:
        return Batch.objects.none()
    return Batch.objects.all()


def batch_create_check(user) -> None:
    if user.is_staff:
        return
    if Membership.objects.filter(user=user, role__in=Membership.WRITE_ROLES).exists():
        return
    raise PermissionDenied(
        _("Batches are recorded by operators and by those who keep a project's records.")
    )


def batch_recorded_for_check(user, project_id: int | None) -> Project | None:
    """The project a new batch is recorded for: one whose records ``user`` keeps (any, for
    an operator, who may also leave it empty). Someone who keeps one project's records need
    not name it. An unknown project and another's read alike, revealing nothing."""
    if user.is_staff:
        kept = Project.objects.all()
    else:
        kept = Project.objects.filter(
            memberships__user=user, memberships__role__in=Membership.WRITE_ROLES
        ).distinct()
    if project_id is None:
        if user.is_staff:
            return None
        only = list(kept[:2])
        if len(only) == 1:
            return only[0]
        raise ValidationError(
            {
                "project": _(
                    "You keep the records of several projects: name the project this batch"
                    " is recorded for."
                )
            }
        )
    project = kept.filter(pk=project_id).first()
    if project is None:
        raise ValidationError(
            {"project": _("Name a project whose records you keep; this is not one of them.")}
        )
    return project


def batch_file_add_check(user, batch: Batch) -> None:
    """Who may add a version of a batch's files. Operators always (corrections after a
    delivery was accepted are theirs alone). Besides them only the records keepers of the
    project the batch was recorded for, and only while no delivery of it, in any project, is
    accepted: from then on its files are evidence others rely on."""
    if user.is_staff:
        return
    if regulator_account_of(user) is not None:
        raise PermissionDenied(_("Regulators have read-only access to batches."))
    keeps_records = (
        batch.recorded_for_id is not None
        and Membership.objects.filter(
            user=user, project_id=batch.recorded_for_id, role__in=Membership.WRITE_ROLES
        ).exists()
    )
    if not keeps_records:
        raise PermissionDenied(
            _(
                "Only archive operators and the site supervisors and leads of the project that"
                " recorded this batch can add its files. Ask an archive operator."
            )
        )
    if batch.deliveries.filter(state=Delivery.State.ACCEPTED).exists():
        raise PermissionDenied(
            _(
                "A delivery of this batch has been accepted, so its files are evidence now:"
                " only an archive operator can add a correction."
            )
        )


def batch_for_user(user, batch_id, *, write: bool = False) -> Batch:
    """The batch if ``user`` may see it (any signed-in user); with ``write``, also if they
    may add its files (``batch_file_add_check``), else a 403 saying who may."""
    batch = batches_visible_to(user).filter(pk=batch_id).first()
    if batch is None:
        raise not_found()
    if write:
        batch_file_add_check(user, batch)
    return batch


def delivery_decide_check(user, project: Project) -> None:
    """Accepting or rejecting a delivery is the supervisor side's act, nobody else's."""
    is_site_supervisor = Membership.objects.filter(
        user=user, project=project, role=Membership.Role.SITE_SUPERVISOR
    ).exists()
    if not is_site_supervisor:
        raise PermissionDenied(
            _("Only the project's site supervisors can accept or reject a delivery.")
        )


def deliveries_visible_to(user) -> QuerySet[Delivery]:
    return Delivery.objects.filter(project__in=projects_visible_to(user).values("pk"))


def notice_issue_check(user) -> None:
    if user.is_staff:
        return
    if regulator_account_of(user) is not None:
        return
    raise PermissionDenied(_("Defect notices are issued by regulators and archive operators."))


def notices_visible_to(user) -> QuerySet[DefectNotice]:
    """Staff and regulators see every notice (the bulletins are public); project members see
    the notices that touch their projects. What a notice hits is filtered separately."""
    if not user.is_authenticated:
        return DefectNotice.objects.none()
    if user.is_staff or regulator_account_of(user) is not None:
        return DefectNotice.objects.all()
    return notices_touching(projects=projects_visible_to(user))


def notice_for_user(user, notice_id) -> DefectNotice:
    notice = notices_visible_to(user).filter(pk=notice_id).first()
    if notice is None:
        raise not_found()
    return notice


def notices_touching(*, projects: QuerySet[Project]) -> QuerySet[DefectNotice]:
    """Notices with an affected delivery in one of ``projects``."""
    ranged = Delivery.objects.filter(
        project__in=projects.values("pk"),
        batch__manufacturer=OuterRef("manufacturer"),
        batch__product=OuterRef("product"),
        batch__batch_number__gte=OuterRef("batch_number_from"),
        batch__batch_number__lte=OuterRef("batch_number_to"),
    )
    single = Delivery.objects.filter(
        project__in=projects.values("pk"), batch__defect_notices=OuterRef("pk")
    )
    return DefectNotice.objects.filter(Exists(ranged) | Exists(single))
