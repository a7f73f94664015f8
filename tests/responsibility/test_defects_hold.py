"""Opening a case puts its evidence on legal hold in the real object store; closing lifts it
only where no other open case still needs it."""

from __future__ import annotations

import datetime
import time

import pytest
from django.utils import timezone

from ledger.models import LedgerEntry
from materials.models import BatchFile
from responsibility.models import DefectCase, DefectCaseHold
from storage import gateway
from storage.errors import ObjectProtected
from storage.services import object_store
from tests.responsibility.defect_data import cases_url, named, open_body
from tests.storage.samples import pdf

pytestmark = pytest.mark.django_db


def open_case(api, project, site, **changes):
    response = api.post(cases_url(project), open_body(site, **changes), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def close(api, project, case):
    response = api.post(cases_url(project, case, "close/"), {"reason": "已鉴定处理"}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def held_in_store(obj) -> bool:
    return gateway.stat(obj.bucket, obj.key, version_id=obj.version_id or None).legal_hold


def test_opening_holds_every_evidence_file_and_closing_lifts_the_holds(api_as, project, site):
    report = site["report"].stored_object
    photo = site["photo"].original
    assert not held_in_store(report)
    case = open_case(api_as("alice"), project, site)
    for obj in (report, photo):
        obj.refresh_from_db()
        assert obj.legal_hold
        assert held_in_store(obj)
    holds = DefectCaseHold.objects.filter(case_id=case["id"])
    assert {h.stored_object_id for h in holds} >= {report.pk, photo.pk}
    assert LedgerEntry.objects.filter(
        record_type="storage.storedobject", record_id=str(report.pk), action="update"
    ).exists()

    close(api_as("reggie"), project, case)
    for obj in (report, photo):
        obj.refresh_from_db()
        assert not obj.legal_hold
        assert not held_in_store(obj)
    assert all(h.released_at for h in DefectCaseHold.objects.filter(case_id=case["id"]))


def test_a_file_shared_by_two_cases_stays_held_until_both_close(api_as, project, site):
    report = site["report"].stored_object
    first = open_case(api_as("alice"), project, site)
    second = open_case(api_as("reggie"), project, site, location=site["floor5"].pk)
    close(api_as("reggie"), project, first)
    report.refresh_from_db()
    assert report.legal_hold
    assert held_in_store(report)
    close(api_as("admin"), project, second)
    report.refresh_from_db()
    assert not report.legal_hold
    assert not held_in_store(report)


@pytest.mark.slow
def test_the_store_refuses_to_remove_a_held_file_after_its_retention_ended(
    api_as, project, site, admin
):
    """Retention would protect the evidence anyway; a file whose retention has run out is
    protected by the case's hold alone, and removable again once the case is closed."""
    certificate = object_store(
        fileobj=named(pdf("Certificate of conformity"), "certificate.pdf"),
        user=admin,
        archival=True,
        retention_until=timezone.now() + datetime.timedelta(seconds=2),
    )
    BatchFile.objects.create(
        batch=site["batch"],
        kind=BatchFile.Kind.CERTIFICATE_OF_CONFORMITY,
        version=1,
        stored_object=certificate,
        recorded_by=admin,
    )
    case = open_case(api_as("alice"), project, site)
    certificate.refresh_from_db()
    assert certificate.legal_hold
    time.sleep(max(0.0, (certificate.retention_until - timezone.now()).total_seconds()) + 1)
    with pytest.raises(ObjectProtected):
        gateway.remove(certificate.bucket, certificate.key, version_id=certificate.version_id)
    close(api_as("reggie"), project, case)
    gateway.remove(certificate.bucket, certificate.key, version_id=certificate.version_id)


@pytest.mark.slow
def test_with_the_object_store_down_opening_a_case_answers_503_and_leaves_no_case(
    api_as, project, site, s3_server
):
    s3_server.stop()
    try:
        gateway.reset()
        response = api_as("alice").post(cases_url(project), open_body(site), format="json")
    finally:
        s3_server.start()
        gateway.reset()
    assert response.status_code == 503
    assert not DefectCase.objects.exists()
    assert not DefectCaseHold.objects.exists()
    assert not LedgerEntry.objects.filter(record_type="responsibility.defectcase").exists()
    site["report"].stored_object.refresh_from_db()
    assert not site["report"].stored_object.legal_hold
    # and once it is back, the case opens
    open_case(api_as("alice"), project, site)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_cases_closed_at_the_same_moment_release_their_shared_evidence(
    api_as, project, site, reggie, admin
):
    import threading

    from django.db import connection

    from responsibility.defects import defect_case_close

    report = site["report"].stored_object
    first = open_case(api_as("alice"), project, site)
    second = open_case(api_as("alice"), project, site, location=site["floor5"].pk)
    cases = list(DefectCase.objects.filter(pk__in=[first["id"], second["id"]]))
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def close_one(case) -> None:
        try:
            start.wait()
            defect_case_close(case=case, reason="同时结案", actor=reggie)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=close_one, args=(case,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report.refresh_from_db()
    assert not report.legal_hold
    assert not held_in_store(report)
