"""A batch's certificate of conformity and type-test report are append-only evidence: only
an operator, or the records keepers of the project that recorded the batch while no
delivery of it is accepted, add a version; a correction needs a reason and keeps every
earlier version, each ledgered."""

from __future__ import annotations

import importlib
import urllib.request

import pytest

from ledger.models import LedgerEntry
from ledger.verify import verify_archive
from materials import services
from materials.models import Batch, BatchFile
from projects import services as project_services
from projects.models import Membership
from storage.models import StoredObject
from tests.materials.conftest import deliver, named, report_pdf, sample
from tests.storage.samples import pdf

pytestmark = pytest.mark.django_db


def files_url(batch) -> str:
    return f"/api/v1/batches/{batch.pk}/files/"


def add_file(client, batch, *, document="certificate_of_conformity", file=None, reason=None):
    body = {"document": document, "file": file or report_pdf()}
    if reason is not None:
        body["reason"] = reason
    return client.post(files_url(batch), body, format="multipart")


def certificate(text: str):
    return named(pdf(text), "certificate.pdf")


def fetched(response) -> bytes:
    assert response.status_code == 302, response.content
    with urllib.request.urlopen(response["Location"], timeout=10) as body:  # noqa: S310 - our S3
        return body.read()


def written() -> list[int]:
    return [m.objects.count() for m in (BatchFile, LedgerEntry, StoredObject)]


def accept_a_delivery(project, batch, contractor_person, lab, alice, leo):
    delivery = deliver(project, batch, contractor_person, leo)
    sample(delivery, contractor_person, lab, leo, witness=alice.person)
    return services.delivery_accept(delivery=delivery, actor=alice)


@pytest.fixture
def first_certificate(recorded_batch, leo):
    scan = certificate("Certificate of conformity, first issue")
    services.batch_file_add(
        batch=recorded_batch, kind="certificate_of_conformity", fileobj=scan, actor=leo
    )
    return scan


def test_a_supervisor_of_another_project_cannot_replace_a_batchs_certificate(
    api_as, project, recorded_batch, first_certificate, contractor_person, lab, alice, leo, sam
):
    """The finding: sam supervises a project the batch never went to. Before the fix his
    upload replaced the certificate the project's trace relies on."""
    accept_a_delivery(project, recorded_batch, contractor_person, lab, alice, leo)
    before = written()

    response = add_file(
        api_as("sam"), recorded_batch, file=certificate("forged"), reason="better copy"
    )

    assert response.status_code == 403
    assert "project that recorded this batch" in response.json()["detail"]
    assert written() == before
    body = api_as("alice").get(f"/api/v1/batches/{recorded_batch.pk}/").json()
    [only] = body["files"]
    assert (only["version"], only["current"]) == (1, True)
    assert fetched(api_as("alice").get(body["certificate_of_conformity_download"])) == (
        first_certificate.getvalue()
    )


def test_the_recording_project_adds_files_until_a_delivery_is_accepted(
    api_as, project, recorded_batch, contractor_person, lab, alice, leo
):
    response = add_file(api_as("alice"), recorded_batch)
    assert response.status_code == 201, response.content
    assert response.json()["files"][0]["recorded_by"] == "alice"
    report = add_file(api_as("leo"), recorded_batch, document="type_test_report")
    assert report.status_code == 201, report.content

    accept_a_delivery(project, recorded_batch, contractor_person, lab, alice, leo)
    before = written()
    for name in ("alice", "leo"):
        response = add_file(
            api_as(name), recorded_batch, file=certificate(name), reason="wrong scan"
        )
        assert response.status_code == 403, name
        assert "only an archive operator can add a correction" in response.json()["detail"]
    assert written() == before


def test_a_batch_recorded_by_an_operator_takes_files_from_operators_only(
    api_as, cable_batch, alice, leo
):
    before = written()
    response = add_file(api_as("alice"), cable_batch)
    assert response.status_code == 403
    assert "Ask an archive operator" in response.json()["detail"]
    assert written() == before
    assert add_file(api_as("admin"), cable_batch).status_code == 201


def test_an_operators_correction_keeps_both_versions_and_ledgers_each(
    api_as, project, recorded_batch, first_certificate, contractor_person, lab, alice, leo
):
    accept_a_delivery(project, recorded_batch, contractor_person, lab, alice, leo)
    corrected = certificate("Certificate of conformity, reissued")

    response = add_file(
        api_as("admin"), recorded_batch, file=corrected, reason="The maker reissued it."
    )

    assert response.status_code == 201, response.content
    first, second = response.json()["files"]
    assert (first["version"], first["current"], first["supersedes_version"]) == (1, False, None)
    assert (second["version"], second["current"], second["supersedes_version"]) == (2, True, 1)
    assert second["reason"] == "The maker reissued it."
    assert second["recorded_by"] == "admin"
    for version in BatchFile.objects.filter(batch=recorded_batch):
        assert LedgerEntry.objects.filter(
            record_type="materials.batchfile", record_id=str(version.pk), action="create"
        ).exists()
    reader = api_as("olga")
    body = reader.get(f"/api/v1/batches/{recorded_batch.pk}/").json()
    assert body["certificate_of_conformity_sha256"] == second["sha256"]
    assert fetched(reader.get(body["certificate_of_conformity_download"])) == corrected.getvalue()
    assert fetched(reader.get(first["download"])) == first_certificate.getvalue()
    assert fetched(reader.get(second["download"])) == corrected.getvalue()
    missing = f"{files_url(recorded_batch)}certificate_of_conformity/?version=3"
    assert reader.get(missing).status_code == 404
    assert reader.get(missing.replace("=3", "=x")).status_code == 404
    assert verify_archive() == []


def test_a_correction_without_a_reason_is_refused_and_nothing_is_stored(
    api_as, recorded_batch, first_certificate
):
    before = written()
    response = add_file(api_as("leo"), recorded_batch, file=certificate("second"))
    assert response.status_code == 400
    assert "send the new file with a reason" in response.json()["reason"][0]
    blank = add_file(api_as("leo"), recorded_batch, file=certificate("second"), reason="  ")
    assert blank.status_code == 400
    assert written() == before


def test_the_same_file_again_is_not_a_correction(api_as, recorded_batch, first_certificate):
    first_certificate.seek(0)
    response = add_file(
        api_as("leo"), recorded_batch, file=first_certificate, reason="uploaded again"
    )
    assert response.status_code == 400
    assert "same as the current version 1" in response.json()["file"][0]
    assert BatchFile.objects.filter(batch=recorded_batch).count() == 1


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("admin", 201, None),
        ("alice", 201, None),
        ("leo", 201, None),
        ("olga", 403, "project that recorded this batch"),
        ("reggie", 403, "Regulators have read-only access"),
        ("rita", 403, "Regulators have read-only access"),
        ("dan", 403, "Regulators have read-only access"),
        ("charlie", 403, "project that recorded this batch"),
        ("sam", 403, "project that recorded this batch"),
        (None, 403, None),
    ],
)
def test_who_may_add_a_batch_file(api_as, actors, recorded_batch, name, status, message):
    client = api_as(name)  # dan and sam are made on first use: before counting
    before = written()
    response = add_file(client, recorded_batch)
    assert response.status_code == status, response.content
    if message is not None:
        assert message in response.json()["detail"]
    if status != 201:
        assert written() == before
        assert api_as("alice").get(f"/api/v1/batches/{recorded_batch.pk}/").json()["files"] == []


def test_a_batch_is_recorded_for_the_project_whose_records_its_recorder_keeps(
    api_as, project, other_project, catalogue, cement_maker, alice, charlie, admin
):
    body = {
        "category": "cement",
        "manufacturer": cement_maker.pk,
        "product": "水泥",
        "model_spec": "P·O 42.5",
        "batch_number": "R1",
        "production_date": "2025-03-01",
    }
    response = api_as("alice").post("/api/v1/batches/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["recorded_for"] == project.pk
    detail = f"/api/v1/batches/{response.json()['id']}/"
    assert api_as("reggie").get(detail).json()["recorded_for"] == project.pk
    assert api_as("charlie").get(detail).json()["recorded_for"] is None  # not his to know

    refused = api_as("charlie").post(
        "/api/v1/batches/", {**body, "batch_number": "R2", "project": project.pk}, format="json"
    )
    assert refused.status_code == 400
    assert "not one of them" in refused.json()["project"][0]
    assert not Batch.objects.filter(batch_number="R2").exists()

    project_services.membership_create(
        user=alice, project=other_project, role=Membership.Role.SITE_SUPERVISOR, actor=admin
    )
    unnamed = api_as("alice").post(
        "/api/v1/batches/", {**body, "batch_number": "R3"}, format="json"
    )
    assert unnamed.status_code == 400
    assert "name the project" in unnamed.json()["project"][0]
    named_one = api_as("alice").post(
        "/api/v1/batches/",
        {**body, "batch_number": "R3", "project": other_project.pk},
        format="json",
    )
    assert named_one.status_code == 201
    assert named_one.json()["recorded_for"] == other_project.pk


def test_files_named_before_versions_become_ledgered_version_1_and_the_archive_verifies(
    recorded_batch, leo, admin
):
    """Migration 0004 on a batch as the old code left it: the file in the batch's own column,
    the batch ledgered with it."""
    from django.apps import apps
    from django.db import transaction

    from ledger.services import ledger_append
    from storage.services import object_store

    migration = importlib.import_module("materials.migrations.0004_carry_batch_files_into_versions")
    old = object_store(fileobj=certificate("old"), user=leo, archival=True)
    with transaction.atomic():
        Batch.objects.filter(pk=recorded_batch.pk).update(certificate_of_conformity=old)
        recorded_batch.refresh_from_db()
        entry = ledger_append(record=recorded_batch, action="update", actor=leo)
    assert verify_archive() == []

    with transaction.atomic():
        migration.carry_batch_files_into_versions(apps, None)
        migration.carry_batch_files_into_versions(apps, None)  # twice: nothing more

    [version] = BatchFile.objects.filter(batch=recorded_batch)
    assert (version.kind, version.version, version.stored_object_id) == (
        "certificate_of_conformity",
        1,
        old.pk,
    )
    assert version.recorded_by is None
    assert version.recorded_at == entry.recorded_at
    assert verify_archive() == []
