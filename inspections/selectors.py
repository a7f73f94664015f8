"""Reads of acceptance records and photos, with their joins built in.

Each starts from what ``user`` may see (``inspections.access``), the same rows the detail
helpers there look up; callers check the project first (``record_for_user`` or
``projects.access.project_for_user``) so that an unknown project is a 404, not an empty list."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from inspections import access, services
from inspections.models import AcceptanceRecord, AcceptanceRound, Photo, SignOff
from projects.models import Project, UnitWork


def record_list(*, user, project: Project) -> QuerySet[AcceptanceRecord]:
    return (
        access.records_visible_to(user)
        .filter(project=project)
        .select_related("unit_work", "created_by")
        .prefetch_related(
            "locations",
            "concealed_works",
            Prefetch("sign_offs", queryset=SignOff.objects.select_related("person", "user")),
            Prefetch("rounds", queryset=AcceptanceRound.objects.select_related("submitted_by")),
        )
        .order_by("date", "pk")
    )


def record_detail(*, user, record: AcceptanceRecord) -> AcceptanceRecord:
    """``record`` read again with everything its representation shows (after a write, or
    after ``record_for_user`` found it)."""
    return record_list(user=user, project=record.project).get(pk=record.pk)


def record_history(*, user, record: AcceptanceRecord) -> AcceptanceRecord:
    """``record`` with everything its page shows: every round with who submitted and who
    decided it (``round_history``), sign-offs with their people, the records under it and
    the concealed works it covers (what ``services.accept_blockers`` reads)."""
    return (
        record_list(user=user, project=record.project)
        .select_related("parent")
        .prefetch_related(
            "children",
            Prefetch(
                "rounds",
                queryset=AcceptanceRound.objects.select_related("submitted_by", "decided_by"),
                to_attr="round_history",
            ),
        )
        .get(pk=record.pk)
    )


def photo_list(*, user, project: Project) -> QuerySet[Photo]:
    return (
        access.photos_visible_to(user)
        .filter(project=project)
        .select_related("original", "uploaded_by", "subject_type")
    )


def record_photo_list(*, user, record: AcceptanceRecord) -> QuerySet[Photo]:
    return photo_list(user=user, project=record.project).filter(
        subject_type__app_label="inspections",
        subject_type__model="acceptancerecord",
        subject_id=record.pk,
    )


@dataclass
class TreeNode:
    """One record of a unit work's GB 50300 tree, with what keeps it from being accepted."""

    record: AcceptanceRecord
    depth: int
    blockers: list[str] = field(default_factory=list)
    children: list[TreeNode] = field(default_factory=list)


def record_tree(*, user, unit_work: UnitWork) -> list[TreeNode]:
    """The unit work's records as a tree (unit → divisions → sub-items → lots, concealed
    works under what they belong to), from a fixed number of queries. Each node says what
    blocks its acceptance in the words ``record_accept`` refuses with
    (``services.accept_blockers``), after "submit it first" for a record not submitted."""
    return _tree(_tree_records(access.records_visible_to(user).filter(unit_work=unit_work)))


def _tree_records(records: QuerySet[AcceptanceRecord]) -> QuerySet[AcceptanceRecord]:
    """What a tree node reads: its sign-offs, the concealed works it covers and the records
    under it (``services.accept_blockers`` reads them)."""
    return records.prefetch_related(
        "sign_offs",
        "concealed_works",
        Prefetch(
            "children",
            queryset=AcceptanceRecord.objects.only("pk", "state", "title", "parent_id"),
        ),
    ).order_by("date", "pk")


def _tree(records) -> list[TreeNode]:
    nodes = {record.pk: TreeNode(record=record, depth=0) for record in records}
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.record.parent_id)
        (parent.children if parent else roots).append(node)
        if not node.record.is_accepted:
            node.blockers = _not_submitted(node.record) + [
                " ".join(blocker.messages) for blocker in services.accept_blockers(node.record)
            ]

    def flatten(level_nodes, depth):
        for node in level_nodes:
            node.depth = depth
            yield node
            yield from flatten(node.children, depth + 1)

    return list(flatten(roots, 0))


def _not_submitted(record: AcceptanceRecord) -> list[str]:
    if record.state == AcceptanceRecord.State.RETURNED:
        return [_("Returned: put it right and submit it again.")]
    if record.state == AcceptanceRecord.State.SELF_CHECK:
        return [_("The contractor's self-check is not submitted yet.")]
    return []


@dataclass
class ArchiveNode:
    """A tree node as the archive shows it: the record (with ``archive_sign_offs``, who
    signed, and its locations) and its photos."""

    node: TreeNode
    photos: list[Photo] = field(default_factory=list)

    @property
    def record(self) -> AcceptanceRecord:
        return self.node.record


def record_archive(*, user, project: Project, unit_work: UnitWork | None) -> list[TreeNode]:
    """The acceptance records of ``unit_work`` as a tree (as ``record_tree``) with the
    project's own records (its completion acceptance, which belongs to no unit work): a
    fixed number of queries however many. ``archive_details`` adds what a page of it shows."""
    records = access.records_visible_to(user).filter(project=project)
    in_tree = Q(unit_work__isnull=True)
    if unit_work is not None:
        in_tree |= Q(unit_work=unit_work)
    return _tree(_tree_records(records.filter(in_tree)))


def archive_details(*, user, project: Project, nodes) -> list[ArchiveNode]:
    """``nodes`` (a page of ``record_archive``) with what the archive shows of each: its
    sign-offs with the signer (and their employer, for a sign-off recorded before snapshots,
    shown as the person is now), its locations and its photos, oldest received first. Three
    queries, for this page's records only."""
    records = [node.record for node in nodes]
    signers = SignOff.objects.select_related("person__organization", "user")
    prefetch_related_objects(
        records, Prefetch("sign_offs", queryset=signers, to_attr="archive_sign_offs"), "locations"
    )
    photos: dict[int, list[Photo]] = {}
    if records:
        for photo in (
            photo_list(user=user, project=project)
            .filter(
                subject_type__app_label="inspections",
                subject_type__model="acceptancerecord",
                subject_id__in=[record.pk for record in records],
            )
            .order_by("received_at", "pk")
        ):
            photos.setdefault(photo.subject_id, []).append(photo)
    return [ArchiveNode(node=node, photos=photos.get(node.record.pk, [])) for node in nodes]
