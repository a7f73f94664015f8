"""The defect trace as plain data (JSON-ready): the rows ``responsibility.trace`` collects,
each item with its newest ledger entry and inclusion proof (``ledger.proofs.RecordProofs``),
all against the one checkpoint given once in the answer.

``defect_trace`` is the one entry point; every other function here turns one kind of row
into its part of the answer, given what it needs: the proofs (``proofs``), the link to an
archived file (``file_link``) and, where the row alone does not say it, the collected rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from inspections.models import AcceptanceRecord, Photo
from ledger.proofs import RecordProofs
from materials.models import BatchFile, Delivery, Sample, Usage
from projects.models import MANDATORY_ROLES, LeadTenure
from responsibility.models import DefectCase, ResponsibilityDocument
from responsibility.trace import (
    TraceData,
    dates_in_office,
    evidence_objects,
    leads_in_office,
    trace_answer,
    trace_collect,
)
from storage.models import StoredObject

FileLink = Callable[[StoredObject], str]

# Once, not per usage: ``Kind.values`` builds the choices, translating every label.
BATCH_FILE_KINDS = tuple(BatchFile.Kind.values)


def defect_trace(case: DefectCase, *, file_link: FileLink) -> dict:
    """The trace of ``case`` as plain data (JSON-ready): see ``responsibility.trace``."""
    data = trace_collect(case)
    in_office = leads_in_office(data)
    in_office_ids = {t.pk for t in in_office}
    documents = [d for t in in_office for d in data.documents.get(t.pk, [])]
    proofs = trace_proofs(data, documents)

    by_role: dict[str, list[LeadTenure]] = defaultdict(list)
    for t in data.tenures:
        by_role[t.role].append(t)
    unit_work = case.unit_work
    of = proofs.of
    return {
        "answer": answer_json(data),
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
            "photos": [photo_json(p, proofs=proofs, file_link=file_link) for p in data.case_photos],
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
            {
                "id": loc.pk,
                "kind": loc.kind,
                "kind_display": loc.get_kind_display(),
                "name": loc.name,
                "ledger": of(loc),
            }
            for loc in data.path
        ],
        "locations_below": len(data.subtree),
        "work_period": {
            "first": data.work_dates[0] if data.work_dates else None,
            "last": data.work_dates[-1] if data.work_dates else None,
        },
        "acceptance_records": [
            record_json(r, data, proofs=proofs, file_link=file_link) for r in data.records
        ],
        "material_usages": [
            usage_json(u, data, proofs=proofs, file_link=file_link) for u in data.usages
        ],
        "roles": [
            {
                "role": role.value,
                "role_display": role.label,
                "leads_in_office": [
                    tenure_json(t, data, in_office_ids, proofs=proofs)
                    for t in by_role.get(role.value, [])
                    if t.pk in in_office_ids
                ],
                "tenure_history": [
                    tenure_json(t, data, in_office_ids, proofs=proofs)
                    for t in by_role.get(role.value, [])
                ],
            }
            for role in MANDATORY_ROLES
        ],
        "letters_and_pledges": [
            document_json(d, proofs=proofs, file_link=file_link) for d in documents
        ],
        "checkpoint": proofs.checkpoint_data(),
    }


def answer_json(data: TraceData) -> dict:
    """Who answers for the work and the materials (``responsibility.trace.trace_answer``),
    by name, each item by the id it has in the rest of the trace."""
    answer = trace_answer(data)
    return {
        "leads": [
            {
                "tenure": lead.tenure.pk,
                "role": lead.tenure.role,
                "role_display": lead.tenure.get_role_display(),
                "organization": _org(lead.tenure.participation.organization),
                "person": _as_recorded(lead.tenure.person_as_recorded),
                "start_date": lead.tenure.start_date,
                "end_date": lead.tenure.end_date,
                "pledge": _signed(lead.pledge),
                "letter": _signed(lead.letter),
            }
            for lead in answer.leads
        ],
        "materials": [
            {
                "usage": u.pk,
                "product": u.delivery.batch.product,
                "batch_number": u.delivery.batch.batch_number,
                "manufacturer": _org(u.delivery.batch.manufacturer),
                "location": u.location.name,
                "used_on": u.used_on,
                "installed_by": _org(u.installer),
                "accepted_on_delivery_by": _user_name(u.delivery.decided_by)
                if u.delivery.state == Delivery.State.ACCEPTED
                else "",
                "accepted_on_delivery_at": u.delivery.decided_at
                if u.delivery.state == Delivery.State.ACCEPTED
                else None,
            }
            for u in answer.materials
        ],
        "work_accepted": [
            {
                "record": item.record.pk,
                "title": item.record.title,
                "level_display": item.record.get_level_display(),
                "accepted_at": item.record.accepted_at,
                "supervisors": [
                    {
                        "name": s.person_as_recorded["name"],
                        "capacity_display": s.get_capacity_display(),
                        "organization": s.person_as_recorded["organization"],
                        "signed_at": s.signed_at,
                    }
                    for s in item.supervisors
                ],
            }
            for item in answer.work
        ],
    }


def _signed(document: ResponsibilityDocument | None) -> dict | None:
    if document is None:
        return None
    return {"id": document.pk, "number": document.number, "signed_at": document.signed_at}


def trace_proofs(data: TraceData, documents: list[ResponsibilityDocument]) -> RecordProofs:
    """The entries and proofs of every item the trace names (``documents``: the letters and
    pledges of the leads in office), loaded in one query and one batch."""
    case = data.case
    samples = [s for group in data.samples.values() for s in group]
    deliveries = {u.delivery_id: u.delivery for u in data.usages}
    batches = {d.batch_id: d.batch for d in deliveries.values()}
    proofs = RecordProofs()
    proofs.want([case, case.project, case.unit_work, *data.path])
    proofs.want(data.records)
    proofs.want(s for group in data.sign_offs.values() for s in group)
    proofs.want(p for group in data.record_photos.values() for p in group)
    proofs.want(data.case_photos)
    proofs.want(data.usages)
    proofs.want(deliveries.values())
    proofs.want(batches.values())
    proofs.want(v for group in data.batch_files.values() for v in group)
    proofs.want(samples)
    proofs.want(getattr(s, "report", None) for s in samples)
    proofs.want(p for group in data.delivery_photos.values() for p in group)
    proofs.want(data.tenures)
    proofs.want(documents)
    proofs.want(getattr(d, "evidence", None) for d in documents)
    proofs.want(evidence_objects(data))
    proofs.load()
    return proofs


def file_json(
    obj: StoredObject | None, *, proofs: RecordProofs, file_link: FileLink
) -> dict | None:
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
        "ledger": proofs.of(obj),
    }


def photo_json(p: Photo, *, proofs: RecordProofs, file_link: FileLink) -> dict:
    return {
        "id": p.pk,
        "caption": p.caption,
        "captured_at": p.captured_at,
        "received_at": p.received_at,
        "original": file_json(p.original, proofs=proofs, file_link=file_link),
        "ledger": proofs.of(p),
    }


def record_json(
    r: AcceptanceRecord, data: TraceData, *, proofs: RecordProofs, file_link: FileLink
) -> dict:
    of = proofs.of
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
        "photos": [
            photo_json(p, proofs=proofs, file_link=file_link)
            for p in data.record_photos.get(r.pk, [])
        ],
        "ledger": of(r),
    }


def sample_json(s: Sample, *, proofs: RecordProofs, file_link: FileLink) -> dict:
    report = getattr(s, "report", None)
    return {
        "id": s.pk,
        "seal_number": s.seal_number,
        "sampled_on": s.sampled_on,
        "sampler": _person(s.sampler),
        "witness": _person(s.witness),
        "testing_lab": _org(s.testing_lab),
        "ledger": proofs.of(s),
        "report": None
        if report is None
        else {
            "id": report.pk,
            "report_number": report.report_number,
            "result": report.result,
            "result_display": report.get_result_display(),
            "tested_on": report.tested_on,
            "file": file_json(report.stored_object, proofs=proofs, file_link=file_link),
            "ledger": proofs.of(report),
        },
    }


def batch_file_json(
    version: BatchFile | None,
    current: dict[str, BatchFile],
    *,
    proofs: RecordProofs,
    file_link: FileLink,
) -> dict | None:
    """One version of a batch's file; ``current``: the latest version of each kind."""
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
        "file": file_json(version.stored_object, proofs=proofs, file_link=file_link),
        "ledger": proofs.of(version),
    }


def usage_json(u: Usage, data: TraceData, *, proofs: RecordProofs, file_link: FileLink) -> dict:
    of = proofs.of
    delivery, batch = u.delivery, u.delivery.batch
    versions = data.batch_files.get(batch.pk, [])
    current = {v.kind: v for v in versions}  # ordered by version: the latest wins
    accepted_at = delivery.decided_at if delivery.state == Delivery.State.ACCEPTED else None
    at_acceptance = {v.kind: v for v in versions if accepted_at and v.recorded_at <= accepted_at}
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
                {
                    "id": p.pk,
                    "kind": p.kind,
                    "file": file_json(p.stored_object, proofs=proofs, file_link=file_link),
                    "ledger": of(p),
                }
                for p in data.delivery_photos.get(delivery.pk, [])
            ],
            "samples": [
                sample_json(s, proofs=proofs, file_link=file_link)
                for s in data.samples.get(delivery.pk, [])
            ],
            # The batch's files as they stood when the delivery was accepted (None: not
            # accepted, or no version recorded by then); "current" says if still so.
            "batch_files_at_acceptance": {
                kind: batch_file_json(
                    at_acceptance.get(kind), current, proofs=proofs, file_link=file_link
                )
                for kind in BATCH_FILE_KINDS
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
            "certificate_of_conformity": file_json(
                getattr(
                    current.get(BatchFile.Kind.CERTIFICATE_OF_CONFORMITY), "stored_object", None
                ),
                proofs=proofs,
                file_link=file_link,
            ),
            "type_test_report": file_json(
                getattr(current.get(BatchFile.Kind.TYPE_TEST_REPORT), "stored_object", None),
                proofs=proofs,
                file_link=file_link,
            ),
            "files": [
                batch_file_json(v, current, proofs=proofs, file_link=file_link) for v in versions
            ],
            "ledger": of(batch),
        },
    }


def tenure_json(
    t: LeadTenure, data: TraceData, in_office_ids: set[int], *, proofs: RecordProofs
) -> dict:
    """A lead's tenure; ``in_office_ids``: the tenures in office for some of the work."""
    dates = dates_in_office(t, data.work_dates)
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
        "ledger": proofs.of(t),
    }


def document_json(d: ResponsibilityDocument, *, proofs: RecordProofs, file_link: FileLink) -> dict:
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
        "pdf": file_json(d.pdf, proofs=proofs, file_link=file_link),
        "ledger": proofs.of(d),
        "evidence_ledger": proofs.of(evidence),
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
