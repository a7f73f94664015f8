"""Operators work in the admin through the same services, and see personal data masked."""

import pytest

from ledger.models import LedgerEntry
from projects import pii
from projects.models import LeadTenure, Person, Project, Role
from tests.conftest import LEADS, id_number, lead_of


@pytest.fixture
def operator(client, admin):
    client.force_login(admin)
    return client


def test_adding_a_person_in_the_admin_encrypts_the_id_number_and_is_ledgered(operator, db):
    plain = id_number("33010619870312153")
    response = operator.post(
        "/admin/projects/person/add/",
        {
            "name": "徐明",
            "id_number": plain,
            "phone": "13666661234",
            "practice_qualification": "registered_constructor",
            "practice_cert_no": "浙1332018201801111",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person = Person.objects.get(name="徐明")
    assert person.id_number_masked == plain[:3] + "*" * 11 + plain[-4:]
    assert person.phone_masked == "136****1234"
    assert pii.decrypt(person.id_number_ciphertext) == plain
    assert LedgerEntry.objects.filter(
        record_type="projects.person", record_id=str(person.pk), action="create"
    ).exists()


def test_an_id_number_with_a_typing_mistake_is_shown_on_the_admin_form(operator, db):
    response = operator.post(
        "/admin/projects/person/add/",
        {"name": "徐明", "id_number": "330106198703121530", "practice_qualification": "none"},
    )
    assert response.status_code == 200
    # Operators work in Chinese by default: the reason is shown in Chinese.
    assert "请检查号码是否输入有误" in response.content.decode()
    assert not Person.objects.exists()


def test_changing_a_project_in_the_admin_goes_through_the_service(operator, project):
    before = LedgerEntry.objects.count()
    response = operator.post(
        f"/admin/projects/project/{project.pk}/change/",
        {
            "name": project.name,
            "address": project.address,
            "permit_number": project.permit_number,
            "supervision_number": "JD330108-2025-0137",
            "jurisdiction_code": "330108",
            "site_latitude": "30.188512",
            "site_longitude": "120.201436",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.supervision_number == "JD330108-2025-0137"
    assert list(
        LedgerEntry.objects.filter(index__gte=before).values_list("record_type", "action")
    ) == [("projects.project", "update")]


def test_the_admin_advances_a_project_through_the_stage_gate(operator, project):
    response = operator.post(
        "/admin/projects/project/",
        {"action": "advance_stage", "_selected_action": [project.pk]},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.stage == Project.Stage.UNDER_SUPERVISION


@pytest.mark.parametrize(
    "page",
    [
        "person/",
        "person/{person}/change/",
        "leadtenure/",
        "leadtenure/{tenure}/change/",
        "organization/",
        "project/",
        "participation/",
        "membership/",
    ],
)
def test_admin_pages_show_id_numbers_masked_only(operator, project, page):
    tenure = lead_of(project, Role.CONTRACTOR)
    url = "/admin/projects/" + page.format(person=tenure.person_id, tenure=tenure.pk)
    response = operator.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    for _, first17, *_rest in LEADS.values():
        assert id_number(first17) not in content


def test_a_lead_tenure_cannot_be_deleted_or_changed_in_the_admin(operator, project):
    tenure = lead_of(project, Role.CONTRACTOR)
    assert operator.get(f"/admin/projects/leadtenure/{tenure.pk}/delete/").status_code == 403
    operator.post(
        f"/admin/projects/leadtenure/{tenure.pk}/change/",
        {"end_date": "2025-05-01", "end_reason": "删除"},
    )
    tenure.refresh_from_db()
    assert tenure.end_date is None
    assert LeadTenure.objects.filter(pk=tenure.pk).exists()
