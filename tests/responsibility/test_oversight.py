"""A regulator's action lists across the jurisdiction: each item appears when something needs
action and disappears when it is put right; one call costs the same few queries however
many projects there are."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inspections import services as inspections
from ledger.services import ledger_append
from materials import services as materials
from projects import services as projects
from projects.models import Project, Role
from responsibility import plaques
from tests.conftest import lead_of
from tests.responsibility.conftest import sign_all
from tests.responsibility.defect_data import named, pdf

URL = "/api/v1/oversight/"


def lists(api):
    response = api.get(URL)
    assert response.status_code == 200, response.content
    return response.json()


def whats(body, key):
    return [item["what"] for item in body[key]]


def test_missing_letters_and_pledges_are_listed_until_signed(api_as, project, signers):
    body = lists(api_as("reggie"))
    assert body["projects"] == 1
    assert len(body["missing_documents"]) == 5
    item = body["missing_documents"][0]
    assert item["project_name"] == project.name
    assert "has no signed authorization letter or lifetime responsibility pledge" in item["what"]
    sign_all(project, signers)
    assert lists(api_as("reggie"))["missing_documents"] == []


def test_overdue_lead_changes_failed_samples_recalls_and_returns_are_listed(
    api_as, project, site, admin, alice, leo, quinn, reggie
):
    body = lists(api_as("reggie"))
    assert any("周新民" in what for what in whats(body, "overdue_lead_changes"))

    # A failed test on a second delivery, not yet rejected.
    delivery = materials.delivery_create(
        project=project,
        batch=site["batch"],
        quantity=Decimal("500"),
        unit="m",
        delivered_on=datetime.date(2025, 5, 1),
        inspected_by=lead_of(project, Role.CONTRACTOR).person,
        actor=leo,
    )
    sample = materials.sample_create(
        delivery=delivery,
        seal_number="FY-0002",
        sampling_location="现场材料堆场",
        sampled_on=datetime.date(2025, 5, 1),
        sampler=lead_of(project, Role.CONTRACTOR).person,
        witness=alice.person,
        testing_lab=site["sample"].testing_lab,
        actor=leo,
    )
    materials.sample_report_add(
        sample=sample,
        report_number="HZJC-2025-0503",
        result="fail",
        tested_on=datetime.date(2025, 5, 4),
        fileobj=named(pdf("Test report HZJC-2025-0503"), "report.pdf"),
        actor=leo,
    )
    body = lists(api_as("reggie"))
    assert whats(body, "failed_samples") == [
        "Test report HZJC-2025-0503 failed 聚氯乙烯绝缘电缆 batch B2503-017; the delivery is"
        " not rejected yet."
    ]
    materials.delivery_reject(
        delivery=delivery,
        reason="导体电阻不合格",
        removed_on=datetime.date(2025, 5, 6),
        actor=alice,
    )
    assert lists(api_as("reggie"))["failed_samples"] == []

    notice = materials.defect_notice_issue(
        manufacturer=site["batch"].manufacturer,
        product=site["batch"].product,
        source="省市场监督管理局抽查通报",
        issued_on=datetime.date(2025, 7, 1),
        batches=[site["batch"]],
        actor=reggie,
    )
    materials.recall_action_open(notice=notice, project=project, kind="stop_use", actor=alice)
    assert len(lists(api_as("reggie"))["open_recalls"]) == 1

    lot = inspections.record_create(
        project=project,
        unit_work=site["unit_work"],
        level="inspection_lot",
        parent=site["chain"]["sub_item"],
        title="5层梁钢筋安装检验批",
        date=datetime.date(2025, 4, 20),
        actor=admin,
    )
    for round_number in range(3):
        inspections.record_submit(record=lot, actor=quinn)
        inspections.record_return(record=lot, reasons=f"第{round_number + 1}次退回", actor=alice)
    assert whats(lists(api_as("reggie")), "returned_records") == [
        "Acceptance record “5层梁钢筋安装检验批” was returned 3 times."
    ]


def test_a_plaque_not_installed_by_its_deadline_is_listed(api_as, project, site, admin, settings):
    settings.PLAQUE_INSTALL_RULES = {}
    settings.PLAQUE_INSTALL_DAYS_AFTER_ACCEPTANCE = -1  # due the day before acceptance: late
    with transaction.atomic():
        project.stage = Project.Stage.COMPLETION_ACCEPTED
        project.save(update_fields=["stage"])
        ledger_append(record=project, action="state", actor=admin)
    plaques.plaque_freeze(unit_work=site["unit_work"], actor=admin)
    [item] = lists(api_as("reggie"))["plaques"]
    assert "The plaque of 3号楼 is not installed" in item["what"]


def test_the_lists_cost_the_same_queries_for_one_project_or_many(api_as, project, reggie, admin):
    client = api_as("reggie")
    with CaptureQueriesContext(connection) as one:
        lists(client)
    for n in range(3):
        projects.project_create(name=f"杭州另一工程{n}", jurisdiction_code="330106", actor=admin)
    with CaptureQueriesContext(connection) as many:
        body = lists(client)
    assert body["projects"] == 4
    assert len(many.captured_queries) == len(one.captured_queries)


def test_only_regulators_and_operators_see_the_lists(api_as, project, alice, charlie, rita):
    for name in ("alice", "charlie"):
        response = api_as(name).get(URL)
        assert response.status_code == 403, name
        assert "regulators and archive operators" in response.json()["detail"]
    body = lists(api_as("rita"))  # Jiangsu: charlie's project, never this Hangzhou one
    assert body["projects"] == 1
    assert project.pk not in {item["project"] for item in body["missing_documents"]}


def test_the_oversight_page_shows_the_lists(project, reggie):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(reggie)
    page = client.get("/oversight/").content.decode()
    assert "Letters or pledges missing" in page
    assert project.name in page
    chinese = Client()
    chinese.force_login(reggie)
    assert "授权书或承诺书缺失" in chinese.get("/oversight/").content.decode()


def test_each_view_of_a_trace_is_in_the_audit_log(api_as, project, site, admin):
    from projects.models import AuditEvent
    from responsibility import defects

    case = defects.defect_case_open(
        project=project,
        unit_work=site["unit_work"],
        location=site["floor5"],
        discovered_on=site["unit_work"].completion_date,
        description="5层柱混凝土开裂",
        category="structure",
        trigger="serious_problem",
        actor=admin,
    )
    url = f"/api/v1/projects/{project.pk}/defect-cases/{case.pk}/"
    assert api_as("reggie").get(url + "trace/").status_code == 200
    assert api_as("reggie").get(url + "trace.pdf").status_code == 200
    events = AuditEvent.objects.filter(action="view_trace", subject_id=str(case.pk))
    assert [e.actor.username for e in events] == ["reggie", "reggie"]
