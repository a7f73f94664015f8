"""The recall pages through Django's test client: who may open what, every refusal of the
notice form and of an action's evidence and closing (400 with the message, nothing
written), the hits' filters, the CSV for a spreadsheet, constant queries."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.contrib.auth import get_user_model

from ledger.models import LedgerEntry
from materials import services
from materials.models import DefectNotice, RecallAction, RecallEvidence
from tests.conftest import credit_code
from tests.materials.conftest import DAY, deliver
from tests.materials.test_pages import client_as, field_errors, shown_errors, upload
from tests.storage.samples import pdf, zip_archive

PRODUCT = "聚氯乙烯绝缘电缆"
TOMORROW = datetime.date.today() + datetime.timedelta(days=3)


@pytest.fixture
def notice(used_cable, cable_maker, reggie):
    return services.defect_notice_issue(
        manufacturer=cable_maker,
        product=PRODUCT,
        batch_number_from="B2503-001",
        batch_number_to="B2503-020",
        source="浙江省2025年第二季度建设工程材料质量抽查通报",
        issued_on=datetime.date(2025, 6, 1),
        actor=reggie,
    )


@pytest.fixture
def action(notice, project, alice):
    return services.recall_action_open(
        notice=notice, project=project, kind="stop_use", description="封存", actor=alice
    )


def text(response) -> str:
    return response.content.decode()


# --- Who may open what ---


def test_who_opens_the_recall_pages(notice, action, admin, reggie, rita, alice, charlie, olga):
    nobody = get_user_model().objects.create_user("nobody")
    urls = {
        "list": "/recalls/",
        "new": "/recalls/new/",
        "notice": f"/recalls/{notice.pk}/",
        "action": f"/recalls/{notice.pk}/actions/{action.pk}/",
        "csv": f"/recalls/{notice.pk}/hits.csv",
    }
    table = [
        (admin, {"list": 200, "new": 200, "notice": 200, "action": 200, "csv": 200}),
        (reggie, {"list": 200, "new": 200, "notice": 200, "action": 200, "csv": 200}),
        # Another province's regulator: the bulletin, not the projects outside its region.
        (rita, {"list": 200, "new": 200, "notice": 200, "action": 404, "csv": 200}),
        # Members of the affected project: its notices and its action, no issuing.
        (alice, {"list": 200, "new": 403, "notice": 200, "action": 200, "csv": 200}),
        (olga, {"list": 200, "new": 403, "notice": 200, "action": 200, "csv": 200}),
        # A member of another project sees no notice that does not touch it.
        (charlie, {"list": 200, "new": 403, "notice": 404, "action": 404, "csv": 404}),
        (nobody, {"list": 403, "new": 403, "notice": 404, "action": 404, "csv": 404}),
    ]
    for user, expected in table:
        client = client_as(user)
        for name, status in expected.items():
            response = client.get(urls[name])
            assert response.status_code == status, (user.username, name)
    assert "issued by regulators" in text(client_as(alice).get(urls["new"]))
    assert "followed up by regulators" in text(client_as(nobody).get(urls["list"]))
    assert client_as(None).get(urls["list"]).status_code == 302  # to the sign-in page
    rita_page = text(client_as(rita).get(urls["notice"]))
    assert "No delivery of these batches matches" in rita_page
    assert PRODUCT not in text(client_as(charlie).get(urls["list"]))


def test_the_list_counts_only_the_actions_a_regulator_may_see(notice, action, reggie, rita):
    page = text(client_as(reggie).get("/recalls/"))
    assert 'class="badge waiting">1</span>' in page
    page = text(client_as(rita).get("/recalls/"))
    assert PRODUCT in page
    assert 'class="badge waiting">1</span>' not in page


# --- Issuing a notice ---

CABLE_MAKER = credit_code("91320282250423100")
MISTYPED = CABLE_MAKER[:17] + ("0" if CABLE_MAKER[17] != "0" else "1")
GOOD = {
    "manufacturer_code": CABLE_MAKER,
    "product": PRODUCT,
    "batch_number_from": "B2503-001",
    "batch_number_to": "B2503-020",
    "batch_numbers": "",
    "source": "浙江省2025年第二季度建设工程材料质量抽查通报",
    "issued_on": "2025-06-01",
    "description": "导体电阻超标",
}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"manufacturer_code": MISTYPED}, "manufacturer_code", "typing mistake"),
        ({"manufacturer_code": "9132028225"}, "manufacturer_code", "must be 18 characters"),
        (
            {"manufacturer_code": credit_code("91110108600000001")},
            "manufacturer_code",
            "No organization with this credit code",
        ),
        ({"batch_number_from": "", "batch_number_to": ""}, "batch_numbers", "Name a range"),
        (
            {"batch_number_from": "B2503-020", "batch_number_to": "B2503-001"},
            "batch_number_to",
            "comes before the first",
        ),
        (
            {"batch_number_from": "", "batch_number_to": "", "batch_numbers": "B2503-017, X-1"},
            "batch_numbers",
            "No batch X-1",
        ),
        ({"issued_on": TOMORROW.isoformat()}, "issued_on", "in the future"),
        ({"source": ""}, "source", "required"),
        ({"product": ""}, "product", "required"),
    ],
)
def test_every_bad_notice_is_refused_with_its_reason_and_nothing_written(
    used_cable, cable_maker, reggie, change, field, message
):
    entries = LedgerEntry.objects.count()
    response = client_as(reggie).post("/recalls/new/", {**GOOD, **change})
    assert response.status_code == 400
    assert message in field_errors(response, field), shown_errors(response)
    assert not DefectNotice.objects.exists()
    assert LedgerEntry.objects.count() == entries


def test_a_range_given_by_one_end_only_is_refused(used_cable, cable_maker, reggie):
    response = client_as(reggie).post(
        "/recalls/new/", {**GOOD, "batch_number_to": "", "batch_numbers": "B2503-017"}
    )
    assert response.status_code == 400
    assert "Give both the first and the last" in text(response)
    assert not DefectNotice.objects.exists()


def test_a_regulator_issues_a_notice_by_batch_list_and_sees_its_hits(
    used_cable, cable_maker, reggie, project
):
    response = client_as(reggie).post(
        "/recalls/new/",
        {**GOOD, "batch_number_from": "", "batch_number_to": "", "batch_numbers": "B2503-017"},
    )
    assert response.status_code == 303, shown_errors(response)
    notice = DefectNotice.objects.get()
    assert response["Location"] == f"/recalls/{notice.pk}/"
    assert [b.batch_number for b in notice.batches.all()] == ["B2503-017"]
    page = text(client_as(reggie).get(response["Location"]))
    for shown in ("5层", "120", "2025-04-10", "赵丽", "浙江宏业建设集团有限公司", "李国强"):
        assert shown in page, shown
    assert "1 hit" in page


def test_a_member_of_a_project_cannot_issue_a_notice(used_cable, alice):
    response = client_as(alice).post("/recalls/new/", GOOD)
    assert response.status_code == 403
    assert not DefectNotice.objects.exists()


# --- The hits: filters and the CSV ---


def test_the_hits_filter_by_project_district_and_state(
    notice, project, cable_batch, contractor_person, leo, reggie
):
    deliver(project, cable_batch, contractor_person, leo, quantity="50", day=DAY)  # pending
    url = f"/recalls/{notice.pk}/"
    client = client_as(reggie)
    assert "2 hits" in text(client.get(url))
    assert "1 hit" in text(client.get(url, {"state": "accepted"}))
    assert "not used yet" in text(client.get(url, {"state": "pending"}))
    assert "2 hits" in text(client.get(url, {"project": project.name[2:6], "district": "330108"}))
    assert "No delivery of these batches matches" in text(client.get(url, {"project": "无此工程"}))
    page = text(client.get(url, {"district": "999999"}))  # not a district the hits touch
    assert "2 hits" in page  # an invalid filter is ignored, and shown as such
    assert "Select a valid choice" in page


def test_the_csv_has_chinese_headers_and_role_names_with_a_bom(notice, reggie):
    response = client_as(reggie, "zh-hans").get(f"/recalls/{notice.pk}/hits.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="recall-' in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    header, row = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header[:2] == ["项目编号", "项目"]
    assert "使用部位" in header
    assert "验收监理" in header
    assert row[header.index("使用部位")] == "5层"
    assert row[header.index("交付状态")] == "已验收"
    leads = row[header.index("现任项目负责人")]
    assert "施工单位：李国强" in leads
    assert "contractor" not in leads


def test_the_csv_is_in_english_for_an_english_reader_and_follows_the_filters(
    notice, reggie, project
):
    url = f"/recalls/{notice.pk}/hits.csv"
    response = client_as(reggie, "en").get(url)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, row = rows
    assert header[:2] == ["Project ID", "Project"]
    assert "construction contractor: 李国强" in row[header.index("Leads in office")]
    response = client_as(reggie, "en").get(url, {"state": "rejected"})
    assert len(list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))) == 1


def test_the_api_csv_keeps_its_keys_and_role_codes_for_programs(api_as, notice, reggie):
    response = api_as("reggie").get(f"/api/v1/defect-notices/{notice.pk}/hits.csv")
    text_ = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text_)))
    assert header[:2] == ["project_id", "project"]
    assert "contractor: 李国强" in row[header.index("leads")]


# --- An action, to closure ---


def test_opening_an_action_is_for_the_projects_records_keepers(notice, project, alice, reggie):
    url = f"/recalls/{notice.pk}/"
    response = client_as(reggie).post(url, {"project": project.pk, "measure": "retest"})
    assert response.status_code == 403
    assert "site supervisors and leads" in text(response)
    assert "Open an action for a project" not in text(client_as(reggie).get(url))
    response = client_as(alice).post(url, {"project": project.pk, "measure": "nonsense"})
    assert response.status_code == 400
    assert not RecallAction.objects.exists()
    response = client_as(alice).post(url, {"project": project.pk, "measure": "retest"})
    assert response.status_code == 303
    action = RecallAction.objects.get()
    assert response["Location"] == f"/recalls/{notice.pk}/actions/{action.pk}/"


def test_an_action_is_closed_with_evidence_once_and_only_by_its_project(
    notice, action, alice, reggie
):
    url = f"/recalls/{notice.pk}/actions/{action.pk}/"
    # The regulator reads, and is told why the forms are not there; a POST is refused.
    page = text(client_as(reggie).get(url))
    assert "read-only access" in page
    assert 'name="do"' not in page
    response = client_as(reggie).post(url, {"do": "close", "note": "done"})
    assert response.status_code == 403
    assert "read-only access" in text(response)
    client = client_as(alice)
    response = client.post(url, {"do": "close", "note": "已封存"})
    assert response.status_code == 400
    assert "Attach evidence" in field_errors(response, "note")
    response = client.post(url, {"do": "evidence", "file": upload(zip_archive(), "e.zip")})
    assert response.status_code == 400
    assert field_errors(response, "file")
    response = client.post(url, {"do": "evidence"})
    assert response.status_code == 400
    assert not RecallEvidence.objects.exists()
    response = client.post(url, {"do": "evidence", "file": upload(pdf("封存照片"), "封存.pdf")})
    assert response.status_code == 303
    response = client.post(url, {"do": "close", "note": "  "})
    assert response.status_code == 400
    assert "Say how the action was completed" in field_errors(response, "note")
    response = client.post(url, {"do": "close", "note": "剩余电缆已封存退回"})
    assert response.status_code == 303
    action.refresh_from_db()
    assert not action.is_open
    page = text(client.get(url))
    assert "Closed: 剩余电缆已封存退回" in page
    assert "Evidence added: 封存.pdf" in page
    response = client.post(url, {"do": "close", "note": "again"})
    assert response.status_code == 400
    assert "already closed" in text(response)
    assert client.post(url, {}).status_code == 400
    assert 'class="badge waiting">1</span>' not in text(client_as(reggie).get("/recalls/"))


# --- Queries ---


def test_the_recall_pages_take_as_many_queries_for_more_hits(
    notice,
    action,
    project,
    cable_batch,
    contractor_person,
    floor,
    leo,
    reggie,
    django_assert_max_num_queries,
):
    client = client_as(reggie)
    urls = [
        "/recalls/",
        f"/recalls/{notice.pk}/",
        f"/recalls/{notice.pk}/actions/{action.pk}/",
    ]

    def counts():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    deliver(project, cable_batch, contractor_person, leo, quantity="10")  # a hit not used yet
    few = counts()
    for _ in range(4):
        deliver(project, cable_batch, contractor_person, leo, quantity="10")
    services.recall_evidence_add(action=action, fileobj=upload(pdf("a"), "a.pdf"), actor=leo)
    services.recall_evidence_add(action=action, fileobj=upload(pdf("b"), "b.pdf"), actor=leo)
    assert counts() == few
    with django_assert_max_num_queries(25):
        client.get(urls[1])
