import datetime

from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import _load_enum_name_overrides
from drf_spectacular.settings import spectacular_settings

from projects import services
from projects.models import UnitWork

# Asked of config/settings.py: the same choice sets under one name each in the schema.
ENUM_NAME_OVERRIDES = {
    "ProjectStageEnum": "projects.models.Project.Stage",
    "PartyRoleEnum": "projects.models.Role",
    "MembershipRoleEnum": "projects.models.Membership.Role",
    "LocationKindEnum": "projects.models.Location.Kind",
    "DocumentKindEnum": "projects.models.ProjectDocument.Kind",
}


def test_the_openapi_schema_generates_without_errors(api_as, admin, capsys):
    response = api_as("admin").get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/projects/{project_id}/lead-tenures/{tenure_id}/replace/" in response.content
    assert "Error" not in "".join(capsys.readouterr())


def test_the_projects_part_of_the_schema_generates_without_warnings(monkeypatch, capsys):
    monkeypatch.setattr(
        spectacular_settings, "ENUM_NAME_OVERRIDES", ENUM_NAME_OVERRIDES, raising=False
    )
    _load_enum_name_overrides.cache_clear()
    capsys.readouterr()
    try:
        SchemaGenerator().get_schema(request=None, public=True)
    finally:
        _load_enum_name_overrides.cache_clear()
    output = "".join(capsys.readouterr())
    assert "Warning" not in output, output
    assert "Error" not in output, output


def test_a_token_can_be_obtained_with_a_username_and_password(client, alice):
    from rest_framework.test import APIClient

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": "correct-horse-2026"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/")
    assert me.json()["username"] == "alice"


def test_me_tells_a_site_supervisor_their_roles_and_projects(api_as, project, alice):
    me = api_as("alice").get("/api/v1/me/").json()
    assert me["person"]["name"] == "赵丽"
    assert me["roles"] == ["site_supervisor"]
    assert me["memberships"] == [
        {
            "project": project.pk,
            "project_name": "杭州市滨江区某住宅小区3号楼",
            "role": "site_supervisor",
        }
    ]
    assert me["regulator"] is None


def test_me_tells_a_regulator_their_jurisdiction(api_as, reggie):
    me = api_as("reggie").get("/api/v1/me/").json()
    assert me["roles"] == ["regulator"]
    assert me["regulator"] == {
        "agency": "杭州市建设工程质量安全监督总站",
        "jurisdiction_code": "330100",
    }


def test_the_location_tree_nests_floors_zones_and_elements(api_as, project, alice, admin):
    unit_work = services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type=UnitWork.StructureType.SHEAR_WALL,
        floors_above=18,
        floors_below=1,
        gross_area="12036.50",
        design_service_life_years=50,
        actor=admin,
    )
    building = services.location_create(unit_work=unit_work, kind="unit", name="3号楼", actor=admin)
    floor = services.location_create(
        unit_work=unit_work, kind="floor", name="5层", parent=building, actor=admin
    )
    axis = services.location_create(
        unit_work=unit_work, kind="axis", name="③~⑤/Ⓐ~Ⓒ轴", parent=floor, actor=admin
    )
    services.location_create(
        unit_work=unit_work, kind="element", name="KZ3 剪力墙", parent=axis, actor=admin
    )
    response = api_as("alice").get(
        f"/api/v1/projects/{project.pk}/unit-works/{unit_work.pk}/locations/tree/"
    )
    assert response.status_code == 200
    tree = response.json()
    assert [node["name"] for node in tree] == ["3号楼"]
    assert tree[0]["children"][0]["children"][0]["children"][0]["name"] == "KZ3 剪力墙"


def test_a_location_cannot_hang_under_another_unit_works_location(api_as, project, alice, admin):
    def building(name):
        return services.unit_work_create(
            project=project,
            name=name,
            structure_type="frame",
            floors_above=6,
            gross_area="3200",
            design_service_life_years=50,
            actor=admin,
        )

    first, second = building("1号楼"), building("2号楼")
    other_floor = services.location_create(unit_work=first, kind="floor", name="1层", actor=admin)
    response = api_as("alice").post(
        f"/api/v1/projects/{project.pk}/unit-works/{second.pk}/locations/",
        {"parent": other_floor.pk, "kind": "zone", "name": "A区"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["parent"] == ["The parent location belongs to another unit work."]


def test_responsibility_ends_a_design_life_after_completion(api_as, project, alice, admin):
    unit_work = services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type="shear_wall",
        floors_above=18,
        gross_area="12036.50",
        design_service_life_years=50,
        start_date=datetime.date(2025, 4, 18),
        actor=admin,
    )
    url = f"/api/v1/projects/{project.pk}/unit-works/{unit_work.pk}/"
    assert api_as("alice").get(url).json()["responsibility_ends"] is None
    response = api_as("alice").patch(url, {"completion_date": "2028-02-29"}, format="json")
    assert response.json()["responsibility_ends"] == "2078-02-28"
