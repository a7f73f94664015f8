"""The defect trace's rows: from a case's location and date to the work, the material, the
people and their pledges. ``responsibility.trace_json.defect_trace`` puts them into the
answer, each item with its ledger entry and inclusion proof (``ledger.proofs``).

One call, a fixed number of queries whatever the size of the archive: the location path and
subtree come from one recursive query, the acceptance records from two (their ids, then each
with its chain of parents), and every other kind of item from one query each; the ledger
entries of all items come from one query and their proofs from one batch
(``ledger.selectors.inclusion_proofs``). Kinds with nothing to look up (no records, no
usages) skip their queries, so the count is a ceiling: 16 for the trace itself, 25 for an
API request with its access checks and audit event (pinned in tests/responsibility/test_trace.py).

Which checkpoint: ``ledger.services.checkpoint_covering`` the newest entry of the trace (the
latest checkpoint if it covers it, else one signed now). So every item always has a proof,
and all proofs are against the one checkpoint given once in the answer.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from inspections.models import AcceptanceRecord, Photo, SignOff
from materials.models import BatchFile, DeliveryPhoto, Sample, Usage
from projects.models import MANDATORY_ROLES, LeadTenure, Location
from responsibility.models import DefectCase, ResponsibilityDocument
from storage.models import StoredObject


@dataclass
class TraceData:
    """The rows a trace is made of, before they are put into words and proofs."""

    case: DefectCase
    path: list[Location]
    subtree: list[Location]
    records: list[AcceptanceRecord]
    matched_records: set[int]
    record_locations: dict[int, list[tuple[int, str]]]
    sign_offs: dict[int, list[SignOff]]
    record_photos: dict[int, list[Photo]]
    case_photos: list[Photo]
    usages: list[Usage]
    samples: dict[int, list[Sample]]
    delivery_photos: dict[int, list[DeliveryPhoto]]
    tenures: list[LeadTenure]
    documents: dict[int, list[ResponsibilityDocument]]
    batch_files: dict[int, list[BatchFile]] = field(default_factory=dict)
    work_dates: list[datetime.date] = field(default_factory=list)


def _locations(location: Location) -> tuple[list[Location], list[Location]]:
    """The path from the unit down to ``location``, and every location below it."""
    table = Location._meta.db_table
    sql = f"""
        WITH RECURSIVE up(id, parent_id, depth) AS (
            SELECT id, parent_id, 0 FROM {table} WHERE id = %s
            UNION ALL
            SELECT l.id, l.parent_id, up.depth + 1 FROM {table} l JOIN up ON l.id = up.parent_id
        ), down(id) AS (
            SELECT id FROM {table} WHERE parent_id = %s
            UNION ALL
            SELECT l.id FROM {table} l JOIN down ON l.parent_id = down.id
        )
        SELECT l.*, up.depth AS trace_depth FROM {table} l JOIN up ON up.id = l.id
        UNION ALL
        SELECT l.*, -1 AS trace_depth FROM {table} l JOIN down ON down.id = l.id
    """  # noqa: S608 - the table name is ours, the values are parameters
    rows = list(Location.objects.raw(sql, [location.pk, location.pk]))
    path = sorted((r for r in rows if r.trace_depth >= 0), key=lambda r: -r.trace_depth)
    subtree = sorted((r for r in rows if r.trace_depth < 0), key=lambda r: r.pk)
    return path, subtree


# GB 50300 puts at most four levels above a record (inspection lot or concealed works →
# sub-item → sub-division → division → unit work): one query with four self-joins reads a
# record's whole chain, where a recursive query made PostgreSQL scan every record.
CHAIN = "parent__parent__parent__parent"


def _records(location_ids: list[int], below_ids: list[int]) -> list[AcceptanceRecord]:
    """Records of these locations (directly, or as the acceptance of material used below
    the case's location), and their parents up to the unit work, by date."""
    # The ids first (two index scans), then the rows: an OR of both subqueries in one
    # query made PostgreSQL filter every record.
    at_locations = AcceptanceRecord.locations.through.objects.filter(
        location_id__in=location_ids
    ).values_list("acceptancerecord_id", flat=True)
    of_usages = Usage.objects.filter(
        location_id__in=below_ids, acceptance_record__isnull=False
    ).values_list("acceptance_record_id", flat=True)
    ids = set(at_locations.order_by().union(of_usages.order_by()))
    found: dict[int, AcceptanceRecord] = {}
    for record in AcceptanceRecord.objects.filter(pk__in=ids).select_related(CHAIN).order_by():
        node = record
        while node is not None and node.pk not in found:
            found[node.pk] = node
            cached = node.parent_id is not None and AcceptanceRecord.parent.is_cached(node)
            node = node.parent if cached else None
    return sorted(found.values(), key=lambda r: (r.date, r.pk))


def trace_collect(case: DefectCase) -> TraceData:
    path, subtree = _locations(case.location)
    path_ids = [loc.pk for loc in path]
    below_ids = [case.location_id, *(loc.pk for loc in subtree)]
    records = _records(sorted({*path_ids, *below_ids}), below_ids)
    record_ids = [r.pk for r in records]

    record_locations: dict[int, list[tuple[int, str]]] = defaultdict(list)
    matched: set[int] = set()
    traced = set(path_ids) | set(below_ids)
    through = AcceptanceRecord.locations.through
    for record_id, location_id, name in through.objects.filter(
        acceptancerecord_id__in=record_ids
    ).values_list("acceptancerecord_id", "location_id", "location__name"):
        record_locations[record_id].append((location_id, name))
        if location_id in traced:
            matched.add(record_id)

    sign_offs: dict[int, list[SignOff]] = defaultdict(list)
    for sign_off in (
        SignOff.objects.filter(record_id__in=record_ids)
        .select_related("person__organization")
        .order_by("record_id", "round", "signed_at", "pk")  # not via the records' ordering
    ):
        sign_offs[sign_off.record_id].append(sign_off)

    usages = list(
        Usage.objects.filter(location_id__in=below_ids)
        .select_related(
            "location",
            "installer",
            "delivery__batch__manufacturer",
            "delivery__batch__category",
            "delivery__supplier",
            "delivery__inspected_by",
            "delivery__decided_by__person",
        )
        .order_by("used_on", "pk")
    )
    matched.update(u.acceptance_record_id for u in usages if u.acceptance_record_id)
    delivery_ids = sorted({u.delivery_id for u in usages})
    samples: dict[int, list[Sample]] = defaultdict(list)
    for taken in Sample.objects.filter(delivery_id__in=delivery_ids).select_related(
        "sampler", "witness", "testing_lab", "report__stored_object"
    ):
        samples[taken.delivery_id].append(taken)
    delivery_photos: dict[int, list[DeliveryPhoto]] = defaultdict(list)
    for photo in DeliveryPhoto.objects.filter(delivery_id__in=delivery_ids).select_related(
        "stored_object"
    ):
        delivery_photos[photo.delivery_id].append(photo)
    batch_files: dict[int, list[BatchFile]] = defaultdict(list)
    batch_ids = sorted({u.delivery.batch_id for u in usages})
    if batch_ids:
        for version in (
            BatchFile.objects.filter(batch_id__in=batch_ids)
            .select_related("stored_object", "recorded_by__person")
            .order_by("batch_id", "kind", "version")
        ):
            batch_files[version.batch_id].append(version)

    record_photos: dict[int, list[Photo]] = defaultdict(list)
    case_photos: list[Photo] = []
    # Content types are cached per process: no query after the first trace.
    record_type_id = ContentType.objects.get_for_model(AcceptanceRecord).pk
    case_type_id = ContentType.objects.get_for_model(DefectCase).pk
    of_records = Q(subject_type_id=record_type_id, subject_id__in=record_ids)
    of_case = Q(subject_type_id=case_type_id, subject_id=case.pk)
    for photo in Photo.objects.filter(of_records | of_case).select_related("original"):
        if photo.subject_type_id == case_type_id:
            case_photos.append(photo)
        else:
            record_photos[photo.subject_id].append(photo)

    tenures = list(
        LeadTenure.objects.filter(project_id=case.project_id, role__in=MANDATORY_ROLES)
        # The person's employer too: a tenure without a snapshot names the person as now.
        .select_related("person__organization", "participation__organization")
        .order_by("role", "start_date", "pk")
    )
    documents: dict[int, list[ResponsibilityDocument]] = defaultdict(list)
    for document in (
        ResponsibilityDocument.objects.filter(project_id=case.project_id)
        .exclude(status=ResponsibilityDocument.Status.DRAFT)
        .select_related("pdf", "signer", "evidence")
        .order_by("kind", "signed_at", "pk")
    ):
        documents[document.lead_tenure_id].append(document)

    dates = {u.used_on for u in usages}
    for record in records:
        dates.add(record.date)
        if record.accepted_at:
            dates.add(timezone.localdate(record.accepted_at))
    return TraceData(
        case=case,
        path=path,
        subtree=subtree,
        records=records,
        matched_records=matched,
        record_locations=record_locations,
        sign_offs=sign_offs,
        record_photos=record_photos,
        case_photos=case_photos,
        usages=usages,
        samples=samples,
        delivery_photos=delivery_photos,
        tenures=tenures,
        documents=documents,
        batch_files=batch_files,
        work_dates=sorted(dates),
    )


def dates_in_office(tenure: LeadTenure, dates: list[datetime.date]) -> list[datetime.date]:
    """The work dates that fall in ``tenure``."""
    start = bisect.bisect_left(dates, tenure.start_date)
    end = len(dates) if tenure.end_date is None else bisect.bisect_right(dates, tenure.end_date)
    return dates[start:end]


def leads_in_office(data: TraceData) -> list[LeadTenure]:
    return [t for t in data.tenures if dates_in_office(t, data.work_dates)]


def evidence_objects(data: TraceData) -> list[StoredObject]:
    """Every archived file the trace rests on: originals of photos, certificates, test
    reports, delivery photos and signed PDFs (derived previews are not evidence)."""
    objects: dict[int, StoredObject] = {}

    def add(obj: StoredObject | None) -> None:
        if obj is not None and obj.is_archival:
            objects[obj.pk] = obj

    for photos in data.record_photos.values():
        for photo in photos:
            add(photo.original)
    for photo in data.case_photos:
        add(photo.original)
    for versions in data.batch_files.values():
        for version in versions:  # superseded versions too: the trace shows them
            add(version.stored_object)
    for taken in (s for samples in data.samples.values() for s in samples):
        report = getattr(taken, "report", None)
        add(report.stored_object if report else None)
    for photos in data.delivery_photos.values():
        for photo in photos:
            add(photo.stored_object)
    for tenure in leads_in_office(data):
        for document in data.documents.get(tenure.pk, []):
            add(document.pdf)
    return sorted(objects.values(), key=lambda o: o.pk)


# --- The answer: who was responsible, before the evidence ---

# The sign-offs that accept work on the supervision unit's behalf.
SUPERVISING = (
    SignOff.Capacity.SUPERVISING_ENGINEER,
    SignOff.Capacity.CHIEF_SUPERVISING_ENGINEER,
)


@dataclass
class LeadAnswer:
    tenure: LeadTenure
    pledge: ResponsibilityDocument | None
    letter: ResponsibilityDocument | None


@dataclass
class WorkAnswer:
    """An accepted record of the work at the location, and the supervisors who signed it."""

    record: AcceptanceRecord
    supervisors: list[SignOff]


@dataclass
class TraceAnswer:
    """Who answers for the work and the materials at the case's location: the five roles'
    leads in office at the dates of the work, the contractor who installed each material
    and the supervisor who accepted it on delivery, and the supervisors who accepted the
    work there."""

    leads: list[LeadAnswer]
    materials: list[Usage]
    work: list[WorkAnswer]


def _newest_signed(documents: list[ResponsibilityDocument], kind: str):
    signed = [d for d in documents if d.kind == kind and d.signed_at is not None]
    return signed[-1] if signed else None


def _supervisors(sign_offs: list[SignOff]) -> list[SignOff]:
    """The supervisors' sign-offs of a record, each person and capacity once (the last
    round: a record returned and signed again names the same engineer twice)."""
    latest = {(s.person_id, s.capacity): s for s in sign_offs if s.capacity in SUPERVISING}
    return list(latest.values())


def trace_answer(data: TraceData) -> TraceAnswer:
    """The answer of ``data``, in the roles' legal order; no query."""
    order = {role: n for n, role in enumerate(MANDATORY_ROLES)}
    leads = sorted(leads_in_office(data), key=lambda t: (order[t.role], t.start_date, t.pk))
    kinds = ResponsibilityDocument.Kind
    return TraceAnswer(
        leads=[
            LeadAnswer(
                tenure=t,
                pledge=_newest_signed(data.documents.get(t.pk, []), kinds.PLEDGE),
                letter=_newest_signed(data.documents.get(t.pk, []), kinds.LETTER),
            )
            for t in leads
        ],
        materials=list(data.usages),
        work=[
            WorkAnswer(record=r, supervisors=_supervisors(data.sign_offs.get(r.pk, [])))
            for r in data.records
            if r.pk in data.matched_records and r.accepted_at is not None
        ],
    )


# --- The evidence as a page shows it ---


def records_in_tree_order(data: TraceData) -> list[tuple[AcceptanceRecord, int]]:
    """The records, each under its parent (unit work → division → … → lot), with depth."""
    ids = {r.pk for r in data.records}
    children: dict[int | None, list[AcceptanceRecord]] = defaultdict(list)
    for record in data.records:
        children[record.parent_id if record.parent_id in ids else None].append(record)
    ordered: list[tuple[AcceptanceRecord, int]] = []

    def walk(parent_id, depth):
        for record in children.get(parent_id, []):
            ordered.append((record, depth))
            walk(record.pk, depth + 1)

    walk(None, 0)
    return ordered


def trace_records(data: TraceData) -> list:
    """Every record the trace names: what a page checks against the ledger, at once."""
    case = data.case
    deliveries = {u.delivery_id: u.delivery for u in data.usages}
    batches = {d.batch_id: d.batch for d in deliveries.values()}
    samples = [s for group in data.samples.values() for s in group]
    return [
        case,
        case.unit_work,
        *data.path,
        *data.records,
        *(s for group in data.sign_offs.values() for s in group),
        *(p for group in data.record_photos.values() for p in group),
        *data.case_photos,
        *data.usages,
        *(u.installer for u in data.usages),
        *deliveries.values(),
        *(p for group in data.delivery_photos.values() for p in group),
        *batches.values(),
        *(b.manufacturer for b in batches.values()),
        *(v for group in data.batch_files.values() for v in group),
        *samples,
        *(getattr(s, "report", None) for s in samples),
        *data.tenures,
        *(d for group in data.documents.values() for d in group),
    ]
