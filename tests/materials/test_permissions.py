"""Who may do what, as a table, with an outsider (charlie) from another project."""

import pytest

from tests.materials.conftest import deliver


@pytest.fixture
def urls(project, cable_batch, contractor_person, leo):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    base = f"/api/v1/projects/{project.pk}/"
    return {
        "deliveries": base + "deliveries/",
        "delivery": base + f"deliveries/{delivery.pk}/",
        "accept": base + f"deliveries/{delivery.pk}/accept/",
        "usages": base + "usages/",
        "witness": base + "witness-share/",
    }


@pytest.mark.parametrize(
    ("actor", "method", "name", "expected"),
    [
        ("alice", "get", "deliveries", 200),
        ("leo", "get", "delivery", 200),
        ("olga", "get", "deliveries", 200),
        ("reggie", "get", "deliveries", 200),
        ("reggie", "get", "witness", 200),
        ("rita", "get", "deliveries", 404),
        ("charlie", "get", "deliveries", 404),
        ("charlie", "get", "delivery", 404),
        ("charlie", "get", "usages", 404),
        ("olga", "post", "deliveries", 403),
        ("reggie", "post", "deliveries", 403),
        ("charlie", "post", "deliveries", 404),
        ("olga", "post", "accept", 403),
        ("reggie", "post", "accept", 403),
        ("charlie", "post", "accept", 404),
        ("leo", "post", "accept", 403),
        ("olga", "post", "usages", 403),
        ("reggie", "post", "usages", 403),
        ("charlie", "post", "usages", 404),
    ],
)
def test_permissions(api_as, urls, actor, method, name, expected):
    response = getattr(api_as(actor), method)(urls[name], {}, format="json")
    assert response.status_code == expected, response.content


def test_outsiders_do_not_see_other_projects_deliveries_in_lists(
    api_as, project, cable_batch, contractor_person, leo, charlie, admin
):
    deliver(project, cable_batch, contractor_person, leo)
    assert api_as("admin").get(f"/api/v1/projects/{project.pk}/deliveries/").json()["count"] == 1
    assert api_as("charlie").get("/api/v1/blocked-deliveries/").json()["count"] == 0
    assert api_as("charlie").get("/api/v1/defect-notices/").json()["count"] == 0
