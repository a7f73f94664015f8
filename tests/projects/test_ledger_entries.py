"""Every successful write through the API is in the ledger; every refused write leaves none."""

import pytest

from ledger.models import LedgerEntry
from projects.models import Role
from tests.conftest import credit_code, id_number, lead_of


def new_entries(since: int) -> list[tuple[str, str]]:
    return [
        (entry.record_type, entry.action)
        for entry in LedgerEntry.objects.filter(index__gte=since).order_by("index")
    ]


@pytest.fixture
def head():
    return LedgerEntry.objects.count


def test_each_successful_write_appends_its_ledger_entries(api_as, project, alice, admin, head):
    alice_client = api_as("alice")
    admin_client = api_as("admin")
    base = f"/api/v1/projects/{project.pk}/"

    def write(client, method, url, body, expected_status, expected_entries):
        since = head()
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == expected_status, response.content
        assert new_entries(since) == expected_entries, url
        return response.json()

    lab = write(
        alice_client,
        "post",
        "/api/v1/organizations/",
        {
            "name": "浙江省建筑科学设计研究院检测中心",
            "credit_code": credit_code("12330000470003265"),
        },
        201,
        [("projects.organization", "create")],
    )
    write(
        admin_client,
        "patch",
        f"/api/v1/organizations/{lab['id']}/",
        {"address": "杭州市西湖区文二路"},
        200,
        [("projects.organization", "update")],
    )
    write(
        alice_client,
        "post",
        base + "participations/",
        {"organization": lab["id"], "role": "testing_lab"},
        201,
        [("projects.participation", "create")],
    )
    tester = write(
        alice_client,
        "post",
        "/api/v1/people/",
        {"name": "徐明", "id_number": id_number("33010619870312153")},
        201,
        [("projects.person", "create")],
    )
    write(
        alice_client,
        "post",
        base + "lead-tenures/",
        {"role": "testing_lab", "person": tester["id"], "start_date": "2025-04-01"},
        201,
        [("projects.leadtenure", "create")],
    )
    write(
        alice_client,
        "post",
        base + f"lead-tenures/{lead_of(project, Role.SUPERVISOR).pk}/replace/",
        {"person": tester["id"], "effective_date": "2025-06-01", "reason": "总监理工程师调整"},
        201,
        [("projects.leadtenure", "create"), ("projects.leadtenure", "state")],
    )
    unit_work = write(
        alice_client,
        "post",
        base + "unit-works/",
        {
            "name": "3号楼",
            "structure_type": "shear_wall",
            "floors_above": 18,
            "floors_below": 1,
            "gross_area": "12036.50",
            "design_service_life_years": 50,
            "start_date": "2025-04-18",
        },
        201,
        [("projects.unitwork", "create")],
    )
    write(
        alice_client,
        "patch",
        base + f"unit-works/{unit_work['id']}/",
        {"completion_date": "2027-06-30"},
        200,
        [("projects.unitwork", "update")],
    )
    write(
        alice_client,
        "post",
        base + f"unit-works/{unit_work['id']}/locations/",
        {"kind": "unit", "name": "3号楼"},
        201,
        [("projects.location", "create")],
    )
    write(
        alice_client,
        "patch",
        base,
        {"supervision_number": "JD330108-2025-0137"},
        200,
        [("projects.project", "update")],
    )
    write(
        alice_client,
        "post",
        base + "advance/",
        {"to_stage": "under_supervision"},
        200,
        [("projects.project", "state")],
    )
    write(
        admin_client,
        "post",
        base + "memberships/",
        {"username": "alice", "role": "party_member"},
        201,
        [("projects.membership", "create")],
    )
    write(
        admin_client,
        "post",
        "/api/v1/projects/",
        {"name": "杭州市滨江区某住宅小区5号楼", "jurisdiction_code": "330108"},
        201,
        [("projects.project", "create")],
    )


def test_refused_writes_leave_the_ledger_as_it_was(api_as, project, alice, olga, head):
    base = f"/api/v1/projects/{project.pk}/"
    since = head()
    refused = [
        api_as("alice").post(base + "advance/", {"to_stage": "filed"}, format="json"),
        api_as("olga").patch(base, {"name": "改名"}, format="json"),
        api_as("alice").post(
            base + "unit-works/",
            {
                "name": "3号楼",
                "structure_type": "shear_wall",
                "floors_above": 18,
                "gross_area": "12036.50",
                "design_service_life_years": 50,
                "start_date": "2025-04-18",
                "completion_date": "2024-01-01",
            },
            format="json",
        ),
        api_as("alice").post(
            "/api/v1/people/", {"name": "徐明", "id_number": "330106198703121"}, format="json"
        ),
    ]
    assert [response.status_code for response in refused] == [400, 403, 400, 400]
    assert new_entries(since) == []
