"""The defect trace: from a case's location and date to the work, the material, the people
and their pledges, each item with its ledger entry and inclusion proof.

One call, a fixed number of queries whatever the size of the archive: the location path and
subtree come from one recursive query, the acceptance records from two (their ids, then each
with its chain of parents), and every other kind of item from one query each; the ledger
entries of all items come from one query and their proofs from one batch
(``ledger.selectors.inclusion_proofs``). Kinds with nothing to look up (no records, no
usages) skip their queries, so the count is a ceiling: 18 per API request, pinned by a test.

Which checkpoint: ``ledger.services.checkpoint_covering`` the newest entry of the trace (the
latest checkpoint if it covers it, else one signed now). So every item always has a proof,
and all proofs are against the one checkpoint given once in the answer.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from inspections.models import AcceptanceRecord, Photo, SignOff
from ledger.canonical import record_type
from ledger.models import Checkpoint, LedgerEntry
from ledger.selectors import inclusion_proofs
from ledger.services import checkpoint_covering
from materials.models import BatchFile, Delivery, DeliveryPhoto, Sample, Usage
from projects.models import MANDATORY_ROLES, LeadTenure, Location
from responsibility.models import DefectCase, ResponsibilityDocument
from storage.models import StoredObject

FileLink = Callable[[StoredObject], str]


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
        .select_related("person", "participation__organization")
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


def _in_office(tenure: LeadTenure, dates: list[datetime.date]) -> list[datetime.date]:
    """The work dates that fall in ``tenure``."""
    start = bisect.bisect_left(dates, tenure.start_date)
    end = len(dates) if tenure.end_date is None else bisect.bisect_right(dates, tenure.end_date)
    return dates[start:end]


def leads_in_office(data: TraceData) -> list[LeadTenure]:
    return [t for t in data.tenures if _in_office(t, data.work_dates)]


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


# --- Ledger entries and proofs ---


class _Ledger:
    """Collects the records a trace names, then fetches their newest entries in one query
    and their proofs in one batch, against one checkpoint."""

    def __init__(self) -> None:
        self.wanted: dict[str, set[str]] = defaultdict(set)
        # (record type, record id) -> (index, action, leaf hash) of the newest entry
        self.entries: dict[tuple[str, str], tuple[int, str, str]] = {}
        self.proofs: dict[int, list[str]] = {}
        self.checkpoint: Checkpoint | None = None

    def want(self, instances: Iterable) -> None:
        for instance in instances:
            if instance is not None:
                self.wanted[record_type(instance)].add(str(instance.pk))

    def load(self) -> None:
        condition = Q(pk__in=[])
        for kind, ids in self.wanted.items():
            condition |= Q(record_type=kind, record_id__in=sorted(ids))
        rows = LedgerEntry.objects.filter(condition).order_by("index")
        for kind, record_id, index, action, leaf in rows.values_list(
            "record_type", "record_id", "index", "action", "leaf_hash"
        ):
            self.entries[(kind, record_id)] = (index, action, leaf)  # the newest wins
        newest = max((e[0] for e in self.entries.values()), default=-1)
        checkpoint = checkpoint_covering(max(newest, 0))
        self.checkpoint = checkpoint
        if self.entries:
            indexes = [e[0] for e in self.entries.values()]
            proofs = inclusion_proofs(indexes, checkpoint.tree_size)
            self.proofs = {i: [h.hex() for h in path] for i, path in proofs.items()}

    def of(self, instance) -> dict | None:
        if instance is None:
            return None
        entry = self.entries.get((record_type(instance), str(instance.pk)))
        if entry is None:  # written without the ledger (synthetic benchmark rows)
            return None
        index, action, leaf = entry
        return {
            "index": index,
            "action": action,
            "leaf_hash": leaf,
            "inclusion_proof": self.proofs[index],
        }

    def checkpoint_data(self) -> dict:
        checkpoint = self.checkpoint
        return {
            "origin": checkpoint.origin,
            "tree_size": checkpoint.tree_size,
            "root_hash": checkpoint.root_hash,
            "signed_at": checkpoint.signed_at,
            "key_id": checkpoint.key_id,
            "public_key": checkpoint.public_key,
            "signature": checkpoint.signature,
            "note": checkpoint.note,
        }


def _person(person) -> dict | None:
    if person is None:
        return None
    return {"id": person.pk, "name": person.name, "id_number": person.id_number_masked}


def _as_recorded(snapshot: dict) -> dict:
    """A person as the record froze them when it was made: a later correction of the person
    (a new name, employer or qualification) does not rewrite who signed or led then."""
    return {
        "id": snapshot["id"],
        "name": snapshot["name"],
        "id_number": snapshot["id_number_masked"],
        "practice_qualification": snapshot["practice_qualification"],
        "practice_cert_no": snapshot["practice_cert_no"],
    }


def _org(organization) -> dict | None:
    if organization is None:
        return None
    return {
        "id": organization.pk,
        "name": organization.name,
        "credit_code": organization.credit_code,
    }


def _user_name(user) -> str:
    if user is None:
        return ""
    person = getattr(user, "person", None)
    return person.name if person is not None else user.get_username()


def defect_trace(case: DefectCase, *, file_link: FileLink) -> dict:
    """The trace of ``case`` as plain data (JSON-ready): see the module docstring."""
    data = trace_collect(case)
    ledger = _Ledger()
    in_office = leads_in_office(data)
    in_office_ids = {t.pk for t in in_office}
    documents = [d for t in in_office for d in data.documents.get(t.pk, [])]
    samples = [s for group in data.samples.values() for s in group]
    deliveries = {u.delivery_id: u.delivery for u in data.usages}
    batches = {d.batch_id: d.batch for d in deliveries.values()}
    ledger.want([case, case.project, case.unit_work, *data.path])
    ledger.want(data.records)
    ledger.want(s for group in data.sign_offs.values() for s in group)
    ledger.want(p for group in data.record_photos.values() for p in group)
    ledger.want(data.case_photos)
    ledger.want(data.usages)
    ledger.want(deliveries.values())
    ledger.want(batches.values())
    ledger.want(v for group in data.batch_files.values() for v in group)
    ledger.want(samples)
    ledger.want(getattr(s, "report", None) for s in samples)
    ledger.want(p for group in data.delivery_photos.values() for p in group)
    ledger.want(data.tenures)
    ledger.want(documents)
    ledger.want(getattr(d, "evidence", None) for d in documents)
    ledger.want(evidence_objects(data))
    ledger.load()
    of = ledger.of

    def file(obj: StoredObject | None) -> dict | None:
        if obj is None:
            return None
        return {
            "id": obj.pk,
            "name": obj.original_name,
            "content_type": obj.content_type,
            "size": obj.size,
            "sha256": obj.sha256,
            "legal_hold": obj.legal_hold,
            "url": file_link(obj),
            "ledger": of(obj),
        }

    def photo(p: Photo) -> dict:
        return {
            "id": p.pk,
            "caption": p.caption,
            "captured_at": p.captured_at,
            "received_at": p.received_at,
            "original": file(p.original),
            "ledger": of(p),
        }

    def record(r: AcceptanceRecord) -> dict:
        return {
            "id": r.pk,
            "level": r.level,
            "level_display": r.get_level_display(),
            "title": r.title,
            "parent": r.parent_id,
            "date": r.date,
            "state": r.state,
            "state_display": r.get_state_display(),
            "accepted_at": r.accepted_at,
            "matched": r.pk in data.matched_records,
            "locations": [{"id": i, "name": n} for i, n in data.record_locations.get(r.pk, [])],
            "sign_offs": [
                {
                    "id": s.pk,
                    "round": s.round,
                    "capacity": s.capacity,
                    "capacity_display": s.get_capacity_display(),
                    "person": _as_recorded(s.person_as_recorded),
                    "organization": s.person_as_recorded["organization"],
                    "signed_at": s.signed_at,
                    "ledger": of(s),
                }
                for s in data.sign_offs.get(r.pk, [])
            ],
            "photos": [photo(p) for p in data.record_photos.get(r.pk, [])],
            "ledger": of(r),
        }

    def sample(s: Sample) -> dict:
        report = getattr(s, "report", None)
        return {
            "id": s.pk,
            "seal_number": s.seal_number,
            "sampled_on": s.sampled_on,
            "sampler": _person(s.sampler),
            "witness": _person(s.witness),
            "testing_lab": _org(s.testing_lab),
            "ledger": of(s),
            "report": None
            if report is None
            else {
                "id": report.pk,
                "report_number": report.report_number,
                "result": report.result,
                "result_display": report.get_result_display(),
                "tested_on": report.tested_on,
                "file": file(report.stored_object),
                "ledger": of(report),
            },
        }

    def batch_file(version: BatchFile | None, current: dict[str, BatchFile]) -> dict | None:
        if version is None:
            return None
        return {
            "id": version.pk,
            "kind": version.kind,
            "version": version.version,
            "current": current.get(version.kind) is version,
            "reason": version.reason,
            "recorded_by": _user_name(version.recorded_by),
            "recorded_at": version.recorded_at,
            "file": file(version.stored_object),
            "ledger": of(version),
        }

    def usage(u: Usage) -> dict:
        delivery, batch = u.delivery, u.delivery.batch
        versions = data.batch_files.get(batch.pk, [])
        current = {v.kind: v for v in versions}  # ordered by version: the latest wins
        accepted_at = delivery.decided_at if delivery.state == Delivery.State.ACCEPTED else None
        at_acceptance = {
            v.kind: v for v in versions if accepted_at and v.recorded_at <= accepted_at
        }
        return {
            "id": u.pk,
            "location": {"id": u.location_id, "name": u.location.name},
            "quantity": str(u.quantity),
            "used_on": u.used_on,
            "installer": _org(u.installer),
            "acceptance_record": u.acceptance_record_id,
            "ledger": of(u),
            "delivery": {
                "id": delivery.pk,
                "delivered_on": delivery.delivered_on,
                "quantity": str(delivery.quantity),
                "unit": delivery.unit,
                "state": delivery.state,
                "supplier": _org(delivery.supplier),
                "inspected_by": _person(delivery.inspected_by),
                "accepted_by": _user_name(delivery.decided_by),
                "accepted_at": delivery.decided_at,
                "photos": [
                    {"id": p.pk, "kind": p.kind, "file": file(p.stored_object), "ledger": of(p)}
                    for p in data.delivery_photos.get(delivery.pk, [])
                ],
                "samples": [sample(s) for s in data.samples.get(delivery.pk, [])],
                # The batch's files as they stood when the delivery was accepted (None: not
                # accepted, or no version recorded by then); "current" says if still so.
                "batch_files_at_acceptance": {
                    kind: batch_file(at_acceptance.get(kind), current)
                    for kind in BatchFile.Kind.values
                },
                "ledger": of(delivery),
            },
            "batch": {
                "id": batch.pk,
                "category": batch.category.name,
                "product": batch.product,
                "model_spec": batch.model_spec,
                "batch_number": batch.batch_number,
                "production_date": batch.production_date,
                "manufacturer": _org(batch.manufacturer),
                # The current version of each file, and every version with its reason.
                "certificate_of_conformity": file(
                    getattr(
                        current.get(BatchFile.Kind.CERTIFICATE_OF_CONFORMITY), "stored_object", None
                    )
                ),
                "type_test_report": file(
                    getattr(current.get(BatchFile.Kind.TYPE_TEST_REPORT), "stored_object", None)
                ),
                "files": [batch_file(v, current) for v in versions],
                "ledger": of(batch),
            },
        }

    def tenure(t: LeadTenure) -> dict:
        dates = _in_office(t, data.work_dates)
        return {
            "id": t.pk,
            "person": _as_recorded(t.person_as_recorded),
            "organization": _org(t.participation.organization),
            "start_date": t.start_date,
            "end_date": t.end_date,
            "end_reason": t.end_reason,
            "successor": t.successor_id,
            "in_office_for_the_work": t.pk in in_office_ids,
            "work_dates_in_office": {
                "count": len(dates),
                "first": dates[0] if dates else None,
                "last": dates[-1] if dates else None,
            },
            "ledger": of(t),
        }

    def document(d: ResponsibilityDocument) -> dict:
        evidence = getattr(d, "evidence", None)
        return {
            "id": d.pk,
            "number": d.number,
            "kind": d.kind,
            "kind_display": d.get_kind_display(),
            "status": d.status,
            "signer": _as_recorded(d.signer_as_recorded),
            "lead_tenure": d.lead_tenure_id,
            "signed_at": d.signed_at,
            "text_sha256": d.text_sha256,
            "pdf": file(d.pdf),
            "ledger": of(d),
            "evidence_ledger": of(evidence),
        }

    by_role: dict[str, list[LeadTenure]] = defaultdict(list)
    for t in data.tenures:
        by_role[t.role].append(t)
    unit_work = case.unit_work
    return {
        "case": {
            "id": case.pk,
            "number": case.number,
            "state": case.state,
            "category": case.category,
            "category_display": case.get_category_display(),
            "trigger": case.trigger,
            "trigger_display": case.get_trigger_display(),
            "discovered_on": case.discovered_on,
            "description": case.description,
            "photos": [photo(p) for p in data.case_photos],
            "ledger": of(case),
        },
        "project": {"id": case.project_id, "name": case.project.name, "ledger": of(case.project)},
        "unit_work": {
            "id": unit_work.pk,
            "name": unit_work.name,
            "start_date": unit_work.start_date,
            "completion_date": unit_work.completion_date,
            "design_service_life_years": unit_work.design_service_life_years,
            "responsibility_ends": unit_work.responsibility_ends,
            "ledger": of(unit_work),
        },
        "location_path": [
            {"id": loc.pk, "kind": loc.kind, "name": loc.name, "ledger": of(loc)}
            for loc in data.path
        ],
        "locations_below": len(data.subtree),
        "work_period": {
            "first": data.work_dates[0] if data.work_dates else None,
            "last": data.work_dates[-1] if data.work_dates else None,
        },
        "acceptance_records": [record(r) for r in data.records],
        "material_usages": [usage(u) for u in data.usages],
        "roles": [
            {
                "role": role.value,
                "role_display": role.label,
                "leads_in_office": [
                    tenure(t) for t in by_role.get(role.value, []) if t.pk in in_office_ids
                ],
                "tenure_history": [tenure(t) for t in by_role.get(role.value, [])],
            }
            for role in MANDATORY_ROLES
        ],
        "letters_and_pledges": [document(d) for d in documents],
        "checkpoint": ledger.checkpoint_data(),
    }
