"""A defect notice finds every affected delivery and usage, for those allowed to see them,
as JSON, CSV and a Chinese PDF; actions per project are tracked to closure."""

import datetime

import pytest

from projects.models import Role
from tests.materials.conftest import report_pdf


def issue(client, cable_maker, **extra):
    return client.post(
        "/api/v1/defect-notices/",
        {
            "manufacturer": cable_maker.pk,
            "product": "聚氯乙烯绝缘电缆",
            "batch_number_from": "B2503-001",
            "batch_number_to": "B2503-020",
            "source": "浙江省2025年第二季度建设工程材料质量抽查通报",
            "issued_on": "2025-06-01",
            "description": "导体电阻超标",
            **extra,
        },
        format="json",
    )


@pytest.fixture
def notice(api_as, used_cable, cable_maker, reggie):
    response = issue(api_as("reggie"), cable_maker)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_regulator_issues_a_notice_and_sees_every_usage_with_the_responsible_people(
    api_as, project, notice, alice
):
    response = api_as("reggie").get(f"/api/v1/defect-notices/{notice['id']}/hits/")
    assert response.status_code == 200
    [hit] = response.json()["results"]
    assert hit["project"] == "杭州市滨江区某住宅小区3号楼"
    assert hit["batch_number"] == "B2503-017"
    assert hit["location"] == "5层"
    assert hit["used_quantity"] == "120.000"
    assert hit["used_on"] == "2025-04-10"
    assert hit["accepted_by"] == "赵丽"
    assert hit["installer"] == "浙江宏业建设集团有限公司"
    assert {lead["role"]: lead["name"] for lead in hit["leads"]}[Role.CONTRACTOR] == "李国强"
    assert len(hit["leads"]) == 5


def test_the_hits_come_as_a_streamed_csv_and_a_chinese_pdf(api_as, notice):
    client = api_as("alice")
    response = client.get(f"/api/v1/defect-notices/{notice['id']}/hits.csv")
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = text.strip().splitlines()
    assert header.startswith("project_id,project,")
    assert "B2503-017" in row
    assert "5层" in row
    response = client.get(f"/api/v1/defect-notices/{notice['id']}/report.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert b"/FontFile2" in response.content  # an embedded TrueType font, not a blank CID font


def test_single_batches_can_be_named_instead_of_a_range(
    api_as, used_cable, cable_maker, cable_batch, admin
):
    response = issue(
        api_as("admin"),
        cable_maker,
        batch_number_from="",
        batch_number_to="",
        batches=[cable_batch.pk],
    )
    assert response.status_code == 201, response.content
    hits = api_as("admin").get(f"/api/v1/defect-notices/{response.json()['id']}/hits/")
    assert hits.json()["count"] == 1


def test_a_range_that_misses_the_batch_finds_nothing(api_as, used_cable, cable_maker, admin):
    response = issue(
        api_as("admin"), cable_maker, batch_number_from="B2504-001", batch_number_to="B2504-099"
    )
    hits = api_as("admin").get(f"/api/v1/defect-notices/{response.json()['id']}/hits/")
    assert hits.json()["count"] == 0


def test_who_sees_a_notice_and_its_hits(api_as, notice, rita, charlie, olga):
    url = f"/api/v1/defect-notices/{notice['id']}/"
    assert api_as("olga").get(url).status_code == 200  # a member of an affected project
    assert api_as("charlie").get(url).status_code == 404  # a member of another project
    assert api_as("charlie").get("/api/v1/defect-notices/").json()["count"] == 0
    # Another province's regulator sees the bulletin but no project outside its jurisdiction.
    assert api_as("rita").get(url).status_code == 200
    assert api_as("rita").get(url + "hits/").json()["count"] == 0


def test_only_regulators_and_operators_issue_notices(api_as, used_cable, cable_maker, alice):
    response = issue(api_as("alice"), cable_maker)
    assert response.status_code == 403
    assert "regulators" in response.json()["detail"]


def test_recall_actions_are_tracked_to_closure_with_evidence(api_as, project, notice, alice):
    url = f"/api/v1/defect-notices/{notice['id']}/actions/"
    response = api_as("alice").post(
        url,
        {"project": project.pk, "measure": "stop_use", "description": "停止使用并封存"},
        format="json",
    )
    assert response.status_code == 201, response.content
    action = response.json()
    detail = api_as("reggie").get(f"/api/v1/defect-notices/{notice['id']}/").json()
    assert detail["open_actions"] == 1
    close = f"{url}{action['id']}/close/"
    response = api_as("alice").post(close, {"note": "已封存"}, format="json")
    assert response.status_code == 400
    assert "Attach evidence" in response.json()["non_field_errors"][0]
    response = api_as("alice").post(
        f"{url}{action['id']}/evidence/", {"file": report_pdf()}, format="multipart"
    )
    assert response.status_code == 201, response.content
    response = api_as("alice").post(close, {"note": "已封存，剩余电缆退回厂家"}, format="json")
    assert response.status_code == 200
    assert response.json()["is_open"] is False
    detail = api_as("reggie").get(f"/api/v1/defect-notices/{notice['id']}/").json()
    assert (detail["open_actions"], detail["actions_total"]) == (0, 1)


def test_regulators_and_read_only_members_cannot_open_actions(api_as, project, notice, olga):
    url = f"/api/v1/defect-notices/{notice['id']}/actions/"
    for name in ("reggie", "olga"):
        response = api_as(name).post(
            url, {"project": project.pk, "measure": "retest"}, format="json"
        )
        assert response.status_code == 403, name


def test_an_action_for_an_unaffected_project_is_refused(
    api_as, notice, other_project, charlie, admin
):
    response = api_as("admin").post(
        f"/api/v1/defect-notices/{notice['id']}/actions/",
        {"project": other_project.pk, "measure": "recall"},
        format="json",
    )
    assert response.status_code == 400
    assert "does not affect" in response.json()["project"][0]


def test_every_materials_write_is_in_the_ledger_and_the_archive_verifies(
    api_as, project, notice, alice
):
    from ledger.services import checkpoint_create
    from ledger.verify import verify_archive

    api_as("alice").post(
        f"/api/v1/defect-notices/{notice['id']}/actions/",
        {"project": project.pk, "measure": "retest"},
        format="json",
    )
    checkpoint_create()
    assert verify_archive() == []


def test_every_hit_read_whole_is_the_same_as_the_pages_read_it(db):
    """``notice_hit_list`` (the API, CSV and PDF: deliveries, then their usages) gives the
    rows of the single join the page slices, in the same order, with deliveries nothing
    was used from and deliveries used several times, under each filter."""
    from django.contrib.auth import get_user_model

    from materials import selectors
    from materials.models import Batch, Delivery
    from materials.services import defect_notice_issue
    from materials.synth import Synthesizer

    Synthesizer(chunk=50).run(projects=6, batches=12, deliveries=80, usages=120)
    admin = get_user_model().objects.create_user("hit-reader", is_staff=True)
    batch = Batch.objects.order_by("manufacturer", "product", "batch_number").first()
    numbers = Batch.objects.filter(manufacturer=batch.manufacturer, product=batch.product)
    numbers = list(numbers.order_by("batch_number").values_list("batch_number", flat=True))
    notice = defect_notice_issue(
        manufacturer=batch.manufacturer,
        product=batch.product,
        batch_number_from=numbers[0],
        batch_number_to=numbers[-1],
        source="抽查通报",
        issued_on=datetime.date(2025, 6, 1),
        actor=admin,
    )
    whole = selectors.notice_hit_list(notice=notice, user=admin)
    assert whole == list(selectors.notice_hit_rows(notice=notice, user=admin))
    deliveries = [row[0] for row in whole]
    assert any(deliveries.count(d) > 1 for d in deliveries)  # used more than once
    assert any(row[12] is None for row in whole)  # nothing used from it yet
    project = whole[-1][1]
    district = whole[0][3]
    for filters in (
        {"project_id": project},
        {"district": district},
        {"state": Delivery.State.ACCEPTED},
        {"project_name": "SYNTH"},
    ):
        rows = selectors.notice_hit_list(notice=notice, user=admin, **filters)
        assert rows == list(selectors.notice_hit_rows(notice=notice, user=admin, **filters))
    hits = selectors.notice_hits(notice=notice, user=admin)
    assert {hit["batch_number"] for hit in hits} <= set(numbers)
