"""GB 50300 acceptance records: the hierarchy, sign-offs by the people in office, rounds."""

from inspections.models import AcceptanceRecord, AcceptanceRound, SignOff
from ledger.models import LedgerEntry
from projects.models import Project
from tests.inspections.conftest import client_for, sign, url


def accept_fully(project, record, signers, accepter):
    assert client_for(accepter).post(url(project, record, "submit")).status_code == 200
    for signer in signers:
        response = sign(client_for(signer), project, record)
        assert response.status_code == 201, response.content
    response = client_for(accepter).post(url(project, record, "accept"))
    assert response.status_code == 200, response.content
    return response.json()


def test_a_site_supervisor_records_an_inspection_lot_at_a_location(
    api_as, project, building, floor, tree
):
    response = api_as("alice").post(
        url(project),
        {
            "level": "inspection_lot",
            "unit_work": building.pk,
            "parent": tree["sub_item"].pk,
            "title": "2层梁钢筋安装检验批",
            "date": "2025-06-11",
            "result": "主控项目全部合格",
            "locations": [floor.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "self_check"
    assert body["locations"] == [floor.pk]
    assert LedgerEntry.objects.filter(
        record_type="inspections.acceptancerecord", record_id=str(body["id"]), action="create"
    ).exists()


def test_an_inspection_lot_is_accepted_with_the_supervising_engineer_and_quality_inspector(
    project, tree, alice, quinn
):
    body = accept_fully(project, tree["lot"], [alice, quinn], alice)
    assert body["state"] == "accepted"
    capacities = {s["capacity"] for s in body["sign_offs"]}
    assert capacities == {"supervising_engineer", "quality_inspector"}
    evidence = SignOff.objects.get(record=tree["lot"], capacity="supervising_engineer")
    assert evidence.user == alice
    assert evidence.ip_address == "127.0.0.1"
    assert len(evidence.content_sha256) == 64
    assert evidence.signed_at.utcoffset().total_seconds() == 0


def test_a_main_structure_division_needs_survey_and_design_leads_too(
    project, tree, alice, quinn, leads
):
    accept_fully(project, tree["lot"], [alice, quinn], alice)
    accept_fully(project, tree["sub_item"], [alice, quinn], alice)
    division = tree["division"]
    client_for(alice).post(url(project, division, "submit"))
    for name in ("sam", "leo"):
        assert sign(client_for(leads[name]), project, division).status_code == 201
    response = client_for(alice).post(url(project, division, "accept"))
    assert response.status_code == 400
    assert "survey project lead" in str(response.json())
    assert "design project lead" in str(response.json())
    for name in ("sue", "dan"):
        assert sign(client_for(leads[name]), project, division).status_code == 201
    assert client_for(alice).post(url(project, division, "accept")).json()["state"] == "accepted"


def test_a_returned_record_is_resubmitted_and_every_round_is_kept(project, tree, alice, quinn):
    lot = tree["lot"]
    client = client_for(alice)
    client.post(url(project, lot, "submit"))
    sign(client, project, lot)
    response = client.post(url(project, lot, "return"), {"reasons": "箍筋间距超差"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "returned"
    fixed = client.patch(url(project, lot), {"result": "箍筋已整改"}, format="json")
    assert fixed.status_code == 200, fixed.content
    body = accept_fully(project, lot, [alice, quinn], alice)
    assert body["round"] == 2
    assert [(r["number"], r["outcome"]) for r in body["rounds"]] == [
        (1, "returned"),
        (2, "accepted"),
    ]
    assert body["rounds"][0]["reasons"] == "箍筋间距超差"
    # The first round's sign-off stays, tied to what was shown then.
    assert SignOff.objects.filter(record=lot, round=1).count() == 1
    first, second = AcceptanceRound.objects.filter(record=lot).order_by("number")
    assert first.content_sha256 != second.content_sha256


def test_completion_acceptance_moves_the_project_to_completion_accepted(
    project, building, tree, alice, quinn, leads, admin
):
    accept_fully(project, tree["lot"], [alice, quinn], alice)
    accept_fully(project, tree["sub_item"], [alice, quinn], alice)
    five = [leads[name] for name in ("sam", "leo", "sue", "dan", "owen")]
    accept_fully(project, tree["division"], five[:4], alice)
    accept_fully(project, tree["unit"], five, alice)
    response = client_for(alice).post(
        url(project),
        {"level": "completion", "title": "3号楼竣工验收", "date": "2025-06-10"},
        format="json",
    )
    assert response.status_code == 201, response.content
    completion = AcceptanceRecord.objects.get(pk=response.json()["id"])
    accept_fully(project, completion, five, alice)
    project.refresh_from_db()
    assert project.stage == Project.Stage.COMPLETION_ACCEPTED


def test_the_list_is_paginated_filtered_and_its_query_count_pinned(
    api_as, project, tree, alice, quinn, django_assert_max_num_queries
):
    accept_fully(project, tree["lot"], [alice, quinn], alice)
    client = api_as("alice")
    with django_assert_max_num_queries(12):
        response = client.get(url(project))
    assert response.json()["count"] == 4
    with django_assert_max_num_queries(12):
        response = client.get(url(project) + "?level=inspection_lot&state=accepted")
    assert [r["title"] for r in response.json()["results"]] == ["2层柱钢筋安装检验批"]
