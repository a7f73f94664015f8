"""Defect and accountability cases: who opens and closes them, and what is refused."""

from __future__ import annotations

import datetime

import pytest

from ledger.models import LedgerEntry
from projects import services as projects
from responsibility.models import DefectCase
from tests.responsibility.defect_data import cases_url, open_body

pytestmark = pytest.mark.django_db


def open_case(api, project, site, **changes):
    return api.post(cases_url(project), open_body(site, **changes), format="json")


def test_a_site_supervisor_opens_a_case_and_it_is_in_the_ledger(api_as, project, site):
    response = open_case(api_as("alice"), project, site)
    assert response.status_code == 201, response.json()
    case = response.json()
    assert case["number"].startswith("QX")
    assert case["state"] == "open"
    assert case["location_name"] == "5层A轴柱"
    assert case["category_display"] == "main structure"
    assert case["responsibility_ends"] == "2075-12-20"
    assert case["held_files"] >= 2  # the lot's photo and the test report at least
    assert LedgerEntry.objects.filter(
        record_type="responsibility.defectcase", record_id=str(case["id"]), action="create"
    ).exists()
    listed = api_as("reggie").get(cases_url(project)).json()
    assert [c["number"] for c in listed["results"]] == [case["number"]]


def test_a_regulator_of_the_jurisdiction_opens_a_case(api_as, project, site, reggie):
    response = open_case(api_as("reggie"), project, site)
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("actor", "method", "expected"),
    [
        ("alice", "open", 201),
        ("leo", "open", 201),
        ("admin", "open", 201),
        ("reggie", "open", 201),
        ("olga", "open", 403),
        ("rita", "open", 404),
        ("charlie", "open", 404),
        (None, "open", 403),
        ("alice", "read", 200),
        ("olga", "read", 200),
        ("reggie", "read", 200),
        ("rita", "read", 404),
        ("charlie", "read", 404),
        ("alice", "trace", 200),
        ("olga", "trace", 200),
        ("reggie", "trace", 200),
        ("rita", "trace", 404),
        ("charlie", "trace", 404),
        ("rita", "pdf", 404),
        ("charlie", "pdf", 404),
        ("alice", "close", 403),
        ("leo", "close", 403),
        ("olga", "close", 403),
        ("rita", "close", 404),
        ("charlie", "close", 404),
        ("reggie", "close", 200),
        ("admin", "close", 200),
    ],
)
def test_permissions(api_as, actors, project, site, actor, method, expected):
    if method == "open":
        response = open_case(api_as(actor), project, site)
    else:
        case = open_case(api_as("alice"), project, site).json()
        api = api_as(actor)
        if method == "read":
            response = api.get(cases_url(project, case))
        elif method == "trace":
            response = api.get(cases_url(project, case, "trace/"))
        elif method == "pdf":
            response = api.get(cases_url(project, case, "trace.pdf"))
        else:
            response = api.post(
                cases_url(project, case, "close/"), {"reason": "已处理"}, format="json"
            )
    assert response.status_code == expected, getattr(response, "data", response)


def test_an_outsider_does_not_see_the_cases_in_a_list(api_as, project, site, charlie):
    open_case(api_as("alice"), project, site)
    assert api_as("charlie").get(cases_url(project)).status_code == 404


def test_a_location_of_another_project_is_refused(api_as, project, site, admin, other_project):
    from tests.responsibility.defect_data import build_site

    _work, _unit, (elsewhere, _floor6) = build_site(other_project, admin, name="南京1号楼")
    response = open_case(api_as("alice"), project, site, location=elsewhere.pk)
    assert response.status_code == 400
    assert "no such location" in str(response.json())
    assert not DefectCase.objects.exists()


def test_a_location_of_another_unit_work_is_refused(api_as, project, site, admin):
    from tests.responsibility.defect_data import build_site

    _work, _unit, (elsewhere, _floor6) = build_site(project, admin, name="4号楼")
    response = open_case(api_as("alice"), project, site, location=elsewhere.pk)
    assert response.status_code == 400
    assert "not in 3号楼" in str(response.json())


def test_a_unit_work_of_another_project_is_refused(api_as, project, site, admin, other_project):
    from tests.responsibility.defect_data import build_site

    work, _unit, _floors = build_site(other_project, admin, name="南京1号楼")
    response = open_case(api_as("alice"), project, site, unit_work=work.pk)
    assert response.status_code == 400
    assert "no such unit work" in str(response.json())


def test_a_discovery_before_work_started_is_refused(api_as, project, site):
    response = open_case(api_as("alice"), project, site, discovered_on="2025-02-28")
    assert response.status_code == 400
    assert "before work on 3号楼 started (2025-03-01)" in str(response.json())


def test_a_discovery_in_the_future_is_refused(api_as, project, site):
    response = open_case(api_as("alice"), project, site, discovered_on="2099-01-01")
    assert response.status_code == 400
    assert "in the future" in str(response.json())


def test_a_discovery_after_the_responsibility_horizon_is_refused(api_as, project, site, admin):
    projects.unit_work_update(
        unit_work=site["unit_work"],
        completion_date=datetime.date(2025, 6, 1),
        design_service_life_years=1,
        actor=admin,
    )
    response = open_case(api_as("alice"), project, site, discovered_on="2026-07-01")
    assert response.status_code == 400
    message = str(response.json())
    assert "after the responsibility horizon of 3号楼, which ended on 2026-06-01" in message
    assert "plus 1 years of design service life" in message
    on_the_day = open_case(api_as("alice"), project, site, discovered_on="2026-06-01")
    assert on_the_day.status_code == 201


def test_a_bad_category_or_trigger_is_refused(api_as, project, site):
    response = open_case(api_as("alice"), project, site, category="roof", trigger="rumour")
    assert response.status_code == 400
    assert set(response.json()) >= {"category", "trigger"}


def test_closing_a_closed_case_is_refused(api_as, project, site):
    case = open_case(api_as("alice"), project, site).json()
    url = cases_url(project, case, "close/")
    first = api_as("reggie").post(url, {"reason": "已加固处理"}, format="json")
    assert first.status_code == 200
    assert first.json()["state"] == "closed"
    assert first.json()["closed_by"] == "reggie"
    again = api_as("reggie").post(url, {"reason": "再次"}, format="json")
    assert again.status_code == 400
    assert "already closed" in str(again.json())


def test_closing_needs_a_reason(api_as, project, site):
    case = open_case(api_as("alice"), project, site).json()
    response = api_as("reggie").post(cases_url(project, case, "close/"), {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()


def test_a_refusal_is_in_chinese_for_a_chinese_reader(actors, project, site):
    from rest_framework.test import APIClient

    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_authenticate(actors["alice"])
    response = open_case(api, project, site, discovered_on="2025-02-28")
    assert response.status_code == 400
    assert "早于 3号楼 开工日期（2025-03-01）" in str(response.json())


def test_operators_see_cases_and_holds_read_only_in_the_admin(client, api_as, admin, project, site):
    case = open_case(api_as("alice"), project, site).json()
    client.force_login(admin)
    listing = client.get("/admin/responsibility/defectcase/")
    assert listing.status_code == 200
    assert case["number"] in listing.content.decode()
    assert client.get("/admin/responsibility/defectcasehold/").status_code == 200
    assert client.get("/admin/responsibility/defectcase/add/").status_code == 403


def test_the_defect_case_endpoints_are_in_the_openapi_schema():
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator(patterns=[path("api/v1/", include("responsibility.urls"))])
    schema = generator.get_schema(request=None, public=True)
    paths = schema["paths"]
    cases = "/api/v1/projects/{project_id}/defect-cases/"
    case = cases + "{case_id}/"
    assert set(paths[cases]) == {"get", "post"}
    assert "post" in paths[case + "close/"]
    assert "multipart/form-data" in paths[case + "photos/"]["post"]["requestBody"]["content"]
    assert "TraceOutput" in str(paths[case + "trace/"]["get"]["responses"]["200"])
    assert "checkpoint" in schema["components"]["schemas"]["TraceOutput"]["properties"]
    assert "application/pdf" in paths[case + "trace.pdf"]["get"]["responses"]["200"]["content"]
    assert "get" in paths[case + "files/{object_id}/"]
