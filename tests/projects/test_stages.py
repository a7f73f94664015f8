"""A project moves one stage at a time; supervision starts only with all five parties led."""

import datetime

from projects import services
from projects.models import Project, Role
from tests.conftest import credit_code, id_number


def advance(client, project, to_stage):
    return client.post(
        f"/api/v1/projects/{project.pk}/advance/", {"to_stage": to_stage}, format="json"
    )


def test_a_project_with_its_five_parties_led_enters_quality_supervision(api_as, project, alice):
    response = advance(api_as("alice"), project, "under_supervision")
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "under_supervision"


def test_the_gate_lists_exactly_the_missing_parties_and_leads(api_as, admin):
    project = services.project_create(
        name="杭州市西湖区某安置房项目2号楼", jurisdiction_code="330106", actor=admin
    )
    owner = services.organization_create(
        name="杭州西湖城投置业有限公司", credit_code=credit_code("91330106MA2B0W1F5"), actor=admin
    )
    services.participation_create(project=project, organization=owner, role=Role.OWNER, actor=admin)
    designer = services.organization_create(
        name="浙江西湖建筑设计院有限公司", credit_code=credit_code("91330106MA2H3K7R1"), actor=admin
    )
    services.participation_create(
        project=project, organization=designer, role=Role.DESIGN, actor=admin
    )
    lead = services.person_create(
        name="钱建华", id_number=id_number("33010619700101001"), actor=admin
    )
    services.lead_tenure_open(
        project=project,
        role=Role.OWNER,
        person=lead,
        start_date=datetime.date(2025, 5, 1),
        actor=admin,
    )

    response = advance(api_as("admin"), project, "under_supervision")

    assert response.status_code == 400
    assert response.json()["to_stage"] == [
        "The project cannot enter quality supervision yet.",
        "No survey unit takes part in the project.",
        "The design unit has no project lead in office.",
        "No construction contractor takes part in the project.",
        "No supervision unit takes part in the project.",
    ]
    project.refresh_from_db()
    assert project.stage == Project.Stage.REGISTERED
    gaps = api_as("admin").get(f"/api/v1/projects/{project.pk}/supervision-gaps/").json()
    assert gaps["ready"] is False
    assert len(gaps["gaps"]) == 4


def test_a_project_cannot_skip_a_stage(api_as, project, alice):
    response = advance(api_as("alice"), project, "under_construction")
    assert response.status_code == 400
    assert response.json()["to_stage"] == [
        "A project moves one stage at a time: from registered the next stage is"
        " under quality supervision."
    ]


def test_a_project_cannot_go_back_a_stage(api_as, project, alice):
    assert advance(api_as("alice"), project, "under_supervision").status_code == 200
    response = advance(api_as("alice"), project, "registered")
    assert response.status_code == 400


def test_an_unknown_stage_is_a_400(api_as, project, alice):
    response = advance(api_as("alice"), project, "demolished")
    assert response.status_code == 400
    assert "to_stage" in response.json()


def test_other_apps_can_add_conditions_to_the_supervision_gate(api_as, project, alice):
    def pledges_signed(project):
        return ["The contractor's lead has not signed the lifetime responsibility pledge."]

    services.register_supervision_gate(pledges_signed)
    try:
        response = advance(api_as("alice"), project, "under_supervision")
    finally:
        services.SUPERVISION_GATES.remove(pledges_signed)
    assert response.status_code == 400
    assert response.json()["to_stage"][-1] == (
        "The contractor's lead has not signed the lifetime responsibility pledge."
    )
