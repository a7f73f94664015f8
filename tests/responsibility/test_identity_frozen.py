"""What a signed document, a sign-off or a tenure showed when it was made stays as it was
after an operator corrects the person: the trace and the outputs read the frozen values."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import transaction

from ledger.services import ledger_append
from ledger.verify import verify_archive
from projects import services
from projects.models import LeadTenure, Role
from responsibility.models import ResponsibilityDocument, SigningEvidence
from tests.conftest import lead_of
from tests.responsibility.conftest import (
    client_for,
    documents_url,
    prepare,
    reauthenticate,
    sign,
    sign_as,
)
from tests.responsibility.defect_data import cases_url, open_body

pytestmark = pytest.mark.django_db


def rename(person, name, admin):
    services.person_update(
        person=person,
        name=name,
        practice_qualification="none",
        reason="依公安机关出具的更名证明",
        actor=admin,
    )


def test_a_signed_pledge_keeps_naming_its_signer_as_they_were_when_it_was_signed(
    project, signers, admin
):
    pledge = sign_as(signers[Role.CONTRACTOR]["lead"], project, "contractor", "pledge")
    rename(lead_of(project, Role.CONTRACTOR).person, "李国庆", admin)

    api = client_for(signers[Role.CONTRACTOR]["lead"])
    shown = api.get(f"{documents_url(project)}{pledge['id']}/").json()

    assert shown["signer_name"] == "李国强"
    assert shown["lead"] == "李国强"
    assert "李国强" in shown["text"]
    assert verify_archive() == []


def test_a_draft_cannot_be_signed_once_its_signer_was_recorded_differently(project, signers, admin):
    api = client_for(signers[Role.CONTRACTOR]["lead"])
    draft = prepare(api, project, "contractor", "pledge").json()
    rename(lead_of(project, Role.CONTRACTOR).person, "李国庆", admin)
    assert reauthenticate(api).status_code == 204

    response = sign(api, project, draft["id"])

    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [
        f"李国庆's recorded name, ID, employer or qualification changed after {draft['number']}"
        " was drawn up; discard it and prepare it again so that it names them as they are"
        " recorded now."
    ]
    assert ResponsibilityDocument.objects.get(pk=draft["id"]).status == "draft"
    assert not SigningEvidence.objects.exists()


def test_the_trace_and_the_sign_offs_show_people_as_they_were_when_they_signed_and_led(
    api_as, project, site, alice, admin
):
    case = api_as("alice").post(cases_url(project), open_body(site), format="json").json()
    rename(alice.person, "赵丽丽", admin)
    first_lead = LeadTenure.objects.filter(role="contractor").order_by("start_date").first()
    rename(first_lead.person, "李国庆", admin)

    trace = api_as("reggie").get(cases_url(project, case, "trace/")).json()

    lot = next(r for r in trace["acceptance_records"] if r["title"] == "5层柱钢筋安装检验批")
    by_capacity = {s["capacity"]: s for s in lot["sign_offs"]}
    assert by_capacity["supervising_engineer"]["person"]["name"] == "赵丽"
    assert (
        by_capacity["supervising_engineer"]["person"]["practice_qualification"]
        == "registered_supervising_engineer"
    )
    contractor = next(r for r in trace["roles"] if r["role"] == "contractor")
    assert [t["person"]["name"] for t in contractor["tenure_history"]] == ["李国强", "周新民"]

    record = (
        api_as("alice").get(f"/api/v1/projects/{project.pk}/acceptance-records/{lot['id']}/").json()
    )
    signed = {s["capacity"]: s for s in record["sign_offs"]}
    assert signed["supervising_engineer"]["person_name"] == "赵丽"
    assert signed["supervising_engineer"]["person_as_recorded"]["practice_cert_no"] == "33009876"
    assert verify_archive() == []


def test_records_ledgered_before_the_snapshot_existed_are_filled_and_still_verify(project, admin):
    tenure = lead_of(project, Role.CONTRACTOR)
    # As before the column existed: no snapshot, and the latest entry hashed without one.
    with transaction.atomic():
        LeadTenure.objects.filter(pk=tenure.pk).update(person_snapshot=None)
        tenure.refresh_from_db()
        ledger_append(record=tenure, action="update", actor=admin)
    assert "person_snapshot" not in tenure.ledger_content()
    assert verify_archive() == []

    migration = importlib.import_module(
        "projects.migrations.0005_fill_lead_tenure_person_snapshots"
    )
    with transaction.atomic():
        migration.fill_snapshots(apps, None)

    tenure.refresh_from_db()
    assert tenure.person_snapshot == tenure.person.identity_snapshot()
    assert tenure.person_snapshot["name"] == "李国强"
    assert verify_archive() == []
