"""List endpoints show exactly what the detail endpoints would, in a constant number of
queries whatever the number of rows."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import services
from projects.models import Membership, Role
from tests.conftest import credit_code, id_number


def names(response):
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_a_member_lists_only_the_projects_they_belong_to(api_as, project, other_project, alice):
    assert names(api_as("alice").get("/api/v1/projects/")) == {"杭州市滨江区某住宅小区3号楼"}


def test_the_outsider_lists_only_their_own_project(api_as, project, other_project, charlie):
    assert names(api_as("charlie").get("/api/v1/projects/")) == {"南京市玄武区某办公楼"}


def test_a_city_regulator_lists_the_projects_of_its_districts_only(
    api_as, project, other_project, reggie, admin
):
    services.project_create(
        name="宁波市鄞州区某学校教学楼", jurisdiction_code="330212", actor=admin
    )
    assert names(api_as("reggie").get("/api/v1/projects/")) == {"杭州市滨江区某住宅小区3号楼"}


def test_a_province_regulator_lists_its_provinces_projects(api_as, project, other_project, rita):
    assert names(api_as("rita").get("/api/v1/projects/")) == {"南京市玄武区某办公楼"}


def test_staff_list_every_project_and_can_filter_by_stage_and_jurisdiction(
    api_as, project, other_project, admin
):
    client = api_as("admin")
    assert names(client.get("/api/v1/projects/")) == {
        "杭州市滨江区某住宅小区3号楼",
        "南京市玄武区某办公楼",
    }
    assert names(client.get("/api/v1/projects/?jurisdiction=330000")) == {
        "杭州市滨江区某住宅小区3号楼"
    }
    assert names(client.get("/api/v1/projects/?stage=registered&jurisdiction=320102")) == {
        "南京市玄武区某办公楼"
    }
    assert names(client.get("/api/v1/projects/?stage=filed")) == set()


def test_an_unknown_stage_filter_is_a_400_not_an_empty_list(api_as, project, admin):
    response = api_as("admin").get("/api/v1/projects/?stage=demolished")
    assert response.status_code == 400
    assert "stage" in response.json()


def test_the_outsider_sees_only_the_people_of_their_own_project(api_as, project, charlie):
    assert names(api_as("charlie").get("/api/v1/people/")) == {"孙浩"}


def test_a_member_sees_the_leads_and_members_of_their_project_and_nobody_else(
    api_as, project, alice, leo
):
    assert names(api_as("alice").get("/api/v1/people/")) == {
        "王建国",
        "陈立新",
        "刘思远",
        "李国强",
        "张伟",
        "赵丽",
        "周秀英",
    }


def test_lead_tenures_can_be_filtered_to_the_leads_in_office(api_as, project, alice):
    response = api_as("alice").get(
        f"/api/v1/projects/{project.pk}/lead-tenures/?is_open=true&role=contractor"
    )
    assert [row["person"]["name"] for row in response.json()["results"]] == ["李国强"]


def _add_rows(project, admin, count):
    """More of everything the lists show: projects, organizations, people, leads, members."""
    for n in range(count):
        member = get_user_model().objects.create_user(username=f"member{n}")
        services.membership_create(
            user=member, project=project, role=Membership.Role.PARTY_MEMBER, actor=admin
        )
        project = services.project_create(
            name=f"杭州市滨江区某住宅小区{n + 10}号楼", jurisdiction_code="330108", actor=admin
        )
        organization = services.organization_create(
            name=f"浙江某建设有限公司{n}",
            credit_code=credit_code(f"9133010872761{n:04d}"),
            actor=admin,
        )
        participation = services.participation_create(
            project=project, organization=organization, role=Role.CONTRACTOR, actor=admin
        )
        person = services.person_create(
            name=f"施工员{n}",
            id_number=id_number(f"33010619850101{n:03d}"),
            organization=organization,
            actor=admin,
        )
        services.lead_tenure_open(
            project=project,
            role=Role.CONTRACTOR,
            person=person,
            participation=participation,
            start_date=datetime.date(2025, 1, 1),
            actor=admin,
        )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/projects/",
        "/api/v1/organizations/",
        "/api/v1/people/",
        "/api/v1/projects/{project}/lead-tenures/",
        "/api/v1/projects/{project}/participations/",
        "/api/v1/projects/{project}/memberships/",
    ],
)
def test_list_endpoints_take_the_same_number_of_queries_for_many_rows(
    api_as, project, reggie, admin, url, django_assert_num_queries
):
    url = url.format(project=project.pk)
    client = api_as("reggie")
    few = _queries(client, url)
    _add_rows(project, admin, 6)
    for n in range(6):
        services.lead_tenure_replace(
            tenure=project.lead_tenures.get(role=Role.CONTRACTOR, end_date__isnull=True),
            person=project.lead_tenures.get(role=Role.SUPERVISOR).person
            if n % 2 == 0
            else project.lead_tenures.get(role=Role.DESIGN).person,
            effective_date=datetime.date(2025, 4, 1 + n),
            reason="人员调整",
            actor=admin,
        )
    with django_assert_num_queries(few):
        client.get(url)
