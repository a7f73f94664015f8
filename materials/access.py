"""Who may see and change materials records. Project-bound records follow the project's
rules (``projects.access``); batches and notices are archive-wide and have their own."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from materials.models import (
    Batch,
    DefectNotice,
    Delivery,
    DeliveryPhoto,
    RecallAction,
    RecallEvidence,
    Sample,
    Usage,
)
from projects.access import (
    not_found,
    project_for_user,
    project_records_visible_to,
    projects_visible_to,
    regulator_account_of,
)
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


# --- What a project's deliveries carry: samples, photos, usages ---


def deliveries_visible_to(user) -> QuerySet[Delivery]:
    return project_records_visible_to(user, Delivery.objects.all())


def delivery_for_user(user, project_id, delivery_id, *, write: bool = False) -> Delivery:
    """The delivery if ``user`` may see its project (and change its records, with ``write``).

    The project is checked first, as ``project_for_user`` does: an outsider gets a 404 that
    does not reveal whether the project exists, a reader who asks to write a 403 saying why.
    A delivery of another project, or none, is a 404 too. Accepting or rejecting one asks
    more (``delivery_decide_check``).
    """
    project = project_for_user(user, project_id, write=write)
    delivery = deliveries_visible_to(user).filter(project=project, pk=delivery_id).first()
    if delivery is None:
        raise not_found()
    delivery.project = project
    return delivery


def delivery_photos_visible_to(user) -> QuerySet[DeliveryPhoto]:
    return project_records_visible_to(
        user, DeliveryPhoto.objects.all(), project_field="delivery__project"
    )


def delivery_photo_for_user(user, project_id, delivery_id, photo_id) -> DeliveryPhoto:
    """A photo of a delivery ``user`` may see. Photos are never changed, only added to their
    delivery (``delivery_for_user`` with ``write``)."""
    delivery = delivery_for_user(user, project_id, delivery_id)
    photo = delivery_photos_visible_to(user).filter(delivery=delivery, pk=photo_id).first()
    if photo is None:
        raise not_found()
    return photo


def samples_visible_to(user) -> QuerySet[Sample]:
    return project_records_visible_to(user, Sample.objects.all(), project_field="delivery__project")


def sample_for_user(user, project_id, delivery_id, sample_id, *, write: bool = False) -> Sample:
    """A sample of a delivery ``user`` may see (and whose project's records they keep, with
    ``write``: adding its test report). Refused as ``delivery_for_user`` refuses."""
    delivery = delivery_for_user(user, project_id, delivery_id, write=write)
    sample = samples_visible_to(user).filter(delivery=delivery, pk=sample_id).first()
    if sample is None:
        raise not_found()
    sample.delivery = delivery
    return sample


def project_sample_for_user(user, project_id, sample_id, *, write: bool = False) -> Sample:
    """A sample named by its project and its own id (the sample page's address), refused
    as ``sample_for_user`` refuses: the project first, then a sample of another project or
    none is a 404."""
    project = project_for_user(user, project_id, write=write)
    delivery_id = (
        samples_visible_to(user)
        .filter(delivery__project=project, pk=sample_id)
        .values_list("delivery_id", flat=True)
        .first()
    )
    if delivery_id is None:
        raise not_found()
    return sample_for_user(user, project_id, delivery_id, sample_id, write=write)


def usages_visible_to(user) -> QuerySet[Usage]:
    return project_records_visible_to(user, Usage.objects.all(), project_field="delivery__project")


def usage_for_user(user, project_id, usage_id, *, write: bool = False) -> Usage:
    """A usage of a project ``user`` may see (and change the records of, with ``write``).
    Refused as ``project_for_user`` refuses; a usage of another project is a 404."""
    project = project_for_user(user, project_id, write=write)
    usage = usages_visible_to(user).filter(delivery__project=project, pk=usage_id).first()
    if usage is None:
        raise not_found()
    return usage


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


# --- Recall actions: a project's answer to a notice ---


def recall_actions_visible_to(user) -> QuerySet[RecallAction]:
    return project_records_visible_to(user, RecallAction.objects.all())


def recall_action_for_user(user, notice_id, action_id, *, write: bool = False) -> RecallAction:
    """A project's action on a notice, if ``user`` may see the notice and the project (and
    change the project's records, with ``write``: adding evidence, closing it). An action of
    a project they do not see is a 404, like an unknown one."""
    notice = notice_for_user(user, notice_id)
    action = recall_actions_visible_to(user).filter(notice=notice, pk=action_id).first()
    if action is None:
        raise not_found()
    if write:
        action.project = project_for_user(user, action.project_id, write=True)
    action.notice = notice
    return action


def recall_evidence_visible_to(user) -> QuerySet[RecallEvidence]:
    return project_records_visible_to(
        user, RecallEvidence.objects.all(), project_field="action__project"
    )


def recall_evidence_for_user(user, notice_id, action_id, evidence_id) -> RecallEvidence:
    """A file of evidence for a recall action ``user`` may see. Evidence is never changed,
    only added (``recall_action_for_user`` with ``write``)."""
    action = recall_action_for_user(user, notice_id, action_id)
    evidence = recall_evidence_visible_to(user).filter(action=action, pk=evidence_id).first()
    if evidence is None:
        raise not_found()
    return evidence


def recall_list_check(user) -> None:
    """Who opens the list of recall notices: regulators and operators, who issue and follow
    them up, and the members of projects, who see the notices touching their projects
    (``notices_visible_to``) and close their projects' actions."""
    if user.is_staff or regulator_account_of(user) is not None:
        return
    if Membership.objects.filter(user=user).exists():
        return
    raise PermissionDenied(
        _(
            "Recall notices are followed up by regulators and archive operators, and shown to"
            " the members of the projects they affect; your account is none of these."
        )
    )


def may_issue_notices(user) -> bool:
    try:
        notice_issue_check(user)
    except PermissionDenied:
        return False
    return True
