"""The set-up pages through the Django test client: who may see and change what, bad codes
and ID numbers explained at the field with nothing written, the gates refused while a gap
remains, a change of lead, and pinned query counts."""

from __future__ import annotations

import datetime
import html

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ledger.models import LedgerEntry
from projects import services
from projects.models import (
    LeadTenure,
    Organization,
    Participation,
    Person,
    Project,
    Role,
    UnitWork,
)
from projects.setup_views import setup_gaps_context
from responsibility.lead_views import lead_deadlines_context
from responsibility.models import ResponsibilityDocument
from tests.conftest import credit_code, id_number, lead_of

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def projects_layer_gates_only():
    """These pages show every gate the apps register (letters and pledges included), so the
    projects-only gates of tests/projects/conftest.py are not wanted here."""


def text(response) -> str:
    return html.unescape(response.content.decode())


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def unit_work(project, admin):
    unit_work = services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type=UnitWork.StructureType.SHEAR_WALL,
        floors_above=18,
        floors_below=2,
        gross_area="12500.00",
        design_service_life_years=50,
        actor=admin,
    )
    services.location_create(unit_work=unit_work, kind="unit", name="3号楼", actor=admin)
    return unit_work


def written() -> tuple[int, ...]:
    return (
        Organization.objects.count(),
        Person.objects.count(),
        Participation.objects.count(),
        LeadTenure.objects.count(),
        Project.objects.count(),
        LedgerEntry.objects.count(),
    )


# --- Who may see and change what ---


def page_urls(project, unit_work) -> dict[str, str]:
    tenure = lead_of(project, Role.CONTRACTOR)
    return {
        "setup": reverse("project-setup-page", args=[project.pk]),
        "unit-work-new": reverse("unit-work-create-page", args=[project.pk]),
        "locations": reverse("location-tree-page", args=[project.pk, unit_work.pk]),
        "party-new": reverse("party-create-page", args=[project.pk]),
        "person-new": reverse("person-create-page", args=[project.pk]),
        "lead-new": reverse("lead-open-page", args=[project.pk]),
        "leads": reverse("lead-timeline-page", args=[project.pk]),
        "lead-change": reverse("lead-change-page", args=[project.pk, tenure.pk]),
    }


# GET: record keepers and operators see every page; olga and reggie read the overview pages
# only (the forms are for writing: 403); charlie and dan do not see the project (404).
READ_PAGES = {"setup", "locations", "leads"}
GET_EXPECTED = {
    "admin": lambda page: 200,
    "alice": lambda page: 200,
    "leo": lambda page: 200,
    "olga": lambda page: 200 if page in READ_PAGES else 403,
    "reggie": lambda page: 200 if page in READ_PAGES else 403,
    "charlie": lambda page: 404,
    "dan": lambda page: 404,
}


@pytest.mark.parametrize("actor", list(GET_EXPECTED))
def test_who_can_open_each_set_up_page(request, project, unit_work, actor):
    user = request.getfixturevalue(actor)
    client = signed_in(user)
    mismatches = []
    for page, url in page_urls(project, unit_work).items():
        expected = GET_EXPECTED[actor](page)
        status = client.get(url, **ZH).status_code
        if status != expected:
            mismatches.append(f"{actor} GET {page}: {status}, expected {expected}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("actor", ["olga", "reggie", "charlie", "dan"])
def test_only_record_keepers_can_post_and_a_refused_post_writes_nothing(
    request, project, unit_work, actor
):
    user = request.getfixturevalue(actor)
    client = signed_in(user)
    urls = page_urls(project, unit_work)
    posts = {
        "unit-work-new": {"name": "4号楼"},
        "locations": {"new-kind": "floor", "new-name": "1层"},
        "party-new": {
            "credit_code": credit_code("91330108MA27XK3L1"),
            "name": "X",
            "role": "ready_mix",
        },
        "person-new": {"name": "X", "id_number": id_number("33010219720315209")},
        "lead-change": {"effective_date": "2026-01-05", "person": "1", "reason": "x"},
        "lead-new": {"role": "ready_mix", "person": "1", "start_date": "2026-01-05"},
        "gate": {},
        "prepare": {},
    }
    urls["gate"] = reverse("project-gate", args=[project.pk, "under_supervision"])
    urls["prepare"] = reverse("lead-documents-prepare", args=[project.pk, "owner"])
    if actor == "olga":
        # She signs the owner's letters, and signers may prepare them (as in the API).
        del posts["prepare"]
    expected = 404 if actor in ("charlie", "dan") else 403
    before = written()
    mismatches = [
        f"{actor} POST {page}: {status}"
        for page, data in posts.items()
        if (status := client.post(urls[page], data, **ZH).status_code) != expected
    ]
    assert not mismatches, "\n".join(mismatches)
    assert written() == before


def test_a_read_only_member_sees_no_write_buttons(project, unit_work, olga):
    client = signed_in(olga)
    urls = page_urls(project, unit_work)
    setup = text(client.get(urls["setup"], **EN))
    assert "Add a party" not in setup
    assert "Add a unit work" not in setup
    assert "<button" not in setup.split('id="gaps-heading"')[1].split("</section>")[0]
    leads = text(client.get(urls["leads"], **EN))
    assert "Change the lead" not in leads
    locations = text(client.get(urls["locations"], **EN))
    assert "Add a location" not in locations
    assert "Rename" not in locations


def test_a_signer_who_may_not_change_the_project_may_still_prepare_what_they_sign(project, olga):
    client = signed_in(olga)
    leads = text(client.get(reverse("lead-timeline-page", args=[project.pk]), **EN))
    assert "Prepare letter and pledge" in leads
    response = client.post(reverse("lead-documents-prepare", args=[project.pk, "owner"]))
    assert response.status_code == 303
    owner_lead = lead_of(project, Role.OWNER)
    letter = ResponsibilityDocument.objects.get(lead_tenure=owner_lead, kind="letter")
    assert letter.signer.user == olga


def test_only_operators_open_the_register_a_project_page(admin, alice, olga):
    url = reverse("project-create-page")
    assert signed_in(admin).get(url, **ZH).status_code == 200
    response = signed_in(alice).get(url, **EN)
    assert response.status_code == 403
    assert "Projects are registered by archive operators." in text(response)
    assert (
        signed_in(alice).post(url, {"name": "x", "jurisdiction_code": "330108"}).status_code == 403
    )


# --- Bad input explained at the field, nothing written ---


def test_a_wrong_credit_code_is_explained_as_typed_and_on_submit(project, alice):
    client = signed_in(alice)
    good = credit_code("91330108MA27XK3L5")
    wrong_char = "0" if good[-1] != "0" else "1"
    wrong = good[:17] + wrong_char
    check = client.get(reverse("credit-code-check"), {"credit_code": wrong}, **EN)
    assert check.status_code == 200
    assert f"The 18th character should be '{good[-1]}'" in text(check)
    short = client.get(reverse("credit-code-check"), {"credit_code": "9133"}, **EN)
    assert "must be 18 characters, got 4" in text(short)
    fine = client.get(reverse("credit-code-check"), {"credit_code": good}, **EN)
    assert "not registered yet" in text(fine)
    before = written()
    response = client.post(
        reverse("party-create-page", args=[project.pk]),
        {"credit_code": wrong, "name": "杭州某混凝土有限公司", "role": "ready_mix"},
        **EN,
    )
    assert response.status_code == 400
    page = text(response)
    assert f"The 18th character should be '{good[-1]}'" in page
    assert 'aria-invalid="true"' in page
    assert written() == before


def test_a_wrong_id_number_is_explained_as_typed_and_on_submit(project, alice):
    client = signed_in(alice)
    good = id_number("33010219900101123")
    wrong = good[:17] + ("0" if good[-1] != "0" else "1")
    check = client.post(reverse("id-number-check"), {"id_number": wrong}, **EN)
    assert f"The 18th character should be '{good[-1]}'" in text(check)
    assert wrong not in text(check)
    birthday = client.post(reverse("id-number-check"), {"id_number": "330102199013451234"}, **EN)
    assert "date of birth" in text(birthday)
    before = written()
    response = client.post(
        reverse("person-create-page", args=[project.pk]),
        {"name": "钱多多", "id_number": wrong, "practice_qualification": "none"},
        **EN,
    )
    assert response.status_code == 400
    assert f"The 18th character should be '{good[-1]}'" in text(response)
    assert written() == before


def test_a_saved_id_number_is_shown_only_masked(project, alice):
    client = signed_in(alice)
    number = id_number("33010219900101123")
    organization = project.participations.get(role=Role.CONTRACTOR).organization
    response = client.post(
        reverse("person-create-page", args=[project.pk]),
        {
            "name": "钱多多",
            "id_number": number,
            "organization": organization.pk,
            "practice_qualification": "none",
        },
        follow=True,
        **EN,
    )
    assert response.status_code == 200
    person = Person.objects.get(name="钱多多")
    assert person.id_number_masked in text(response)
    assert number not in text(response)


# --- Parties, people, leads ---


def test_an_optional_party_is_found_by_its_credit_code(project, alice):
    client = signed_in(alice)
    existing = project.participations.get(role=Role.CONTRACTOR).organization
    count = Organization.objects.count()
    response = client.post(
        reverse("party-create-page", args=[project.pk]),
        {"credit_code": existing.credit_code.lower(), "role": "general_contractor"},
        **EN,
    )
    assert response.status_code == 303
    assert Organization.objects.count() == count
    assert project.participations.filter(role="general_contractor", organization=existing).exists()


def test_a_second_owner_is_not_offered_and_refused_by_the_service(project, alice):
    client = signed_in(alice)
    page = text(client.get(reverse("party-create-page", args=[project.pk]), **EN))
    assert 'value="owner"' not in page
    assert 'value="ready_mix"' in page


def test_the_gates_are_refused_with_the_reason_while_letters_and_pledges_are_missing(
    project, alice
):
    client = signed_in(alice)
    url = reverse("project-setup-page", args=[project.pk])
    page = text(client.get(url, **EN))
    assert page.count("has no signed authorization letter") == 5
    assert page.count("has no signed lifetime responsibility pledge") == 5
    assert "disabled" in page
    response = client.post(reverse("project-gate", args=[project.pk, "under_supervision"]), **EN)
    assert response.status_code == 400
    assert "The project cannot enter quality supervision yet." in text(response)
    project.refresh_from_db()
    assert project.stage == Project.Stage.REGISTERED


def test_a_location_is_added_and_renamed_until_records_name_it(project, unit_work, alice):
    client = signed_in(alice)
    url = reverse("location-tree-page", args=[project.pk, unit_work.pk])
    root = unit_work.locations.get()
    response = client.post(url, {"new-kind": "floor", "new-name": "1层", "new-parent": root.pk})
    assert response.status_code == 303
    floor = unit_work.locations.get(name="1层")
    assert floor.parent == root
    bad = client.post(url, {"new-kind": "unit", "new-name": "x", "new-parent": floor.pk}, **EN)
    assert bad.status_code == 400
    assert "cannot be placed inside" in text(bad)
    renamed = client.post(url, {"rename": floor.pk, f"rename-{floor.pk}-name": "一层"})
    assert renamed.status_code == 303
    floor.refresh_from_db()
    assert floor.name == "一层"
    assert LedgerEntry.objects.filter(record_id=str(floor.pk), action="update").exists()


def test_the_first_lead_of_a_new_party_is_named_from_its_registered_staff(project, alice, admin):
    organization = services.organization_create(
        name="杭州某混凝土有限公司", credit_code=credit_code("91330108MA27XK3L5"), actor=admin
    )
    services.participation_create(
        project=project, organization=organization, role="ready_mix", actor=admin
    )
    person = services.person_create(
        name="郑强",
        id_number=id_number("33010219900101123"),
        organization=organization,
        actor=admin,
    )
    client = signed_in(alice)
    url = reverse("lead-open-page", args=[project.pk])
    page = text(client.get(url, **EN))
    assert 'value="ready_mix"' in page
    assert 'value="owner"' not in page  # the owner has its lead
    response = client.post(
        url, {"role": "ready_mix", "person": person.pk, "start_date": "2026-03-02"}
    )
    assert response.status_code == 303
    assert lead_of(project, "ready_mix").person == person
    again = client.post(url, {"role": "ready_mix", "person": person.pk, "start_date": "2026-03-02"})
    assert again.status_code == 400


def test_a_change_of_lead_prepares_the_new_leads_letter_and_pledge_with_a_deadline(
    project, alice, admin
):
    tenure = lead_of(project, Role.OWNER)
    organization = tenure.participation.organization
    representative = services.person_create(
        name="周秀英",
        id_number=id_number("33010819780921124"),
        organization=organization,
        actor=admin,
    )
    services.organization_update(
        organization=organization, legal_representative=representative, actor=admin
    )
    successor = services.person_create(
        name="孙海",
        id_number=id_number("33010219820101123"),
        organization=organization,
        actor=admin,
    )
    client = signed_in(alice)
    url = reverse("lead-change-page", args=[project.pk, tenure.pk])
    missing = client.post(url, {"effective_date": "2026-01-05", "person": successor.pk}, **EN)
    assert missing.status_code == 400
    today = datetime.date.today()
    response = client.post(
        url,
        {"effective_date": today.isoformat(), "person": successor.pk, "reason": "调任"},
        follow=True,
        **EN,
    )
    assert response.status_code == 200
    page = text(response)
    new = lead_of(project, Role.OWNER)
    assert new.person == successor
    kinds = set(
        ResponsibilityDocument.objects.filter(lead_tenure=new).values_list("kind", flat=True)
    )
    assert kinds == {"letter", "pledge"}
    assert "due by" in page
    assert "调任" in page


# --- Query counts ---


@pytest.mark.parametrize("extra", [0, 3])
def test_the_set_up_pages_take_a_constant_number_of_queries(
    project, unit_work, alice, admin, extra, django_assert_num_queries
):
    root = unit_work.locations.get()
    for number in range(extra):
        organization = services.organization_create(
            name=f"供应商{number}",
            credit_code=credit_code(f"9133010872761482{number}"),
            actor=admin,
        )
        services.participation_create(
            project=project, organization=organization, role="material_supplier", actor=admin
        )
        services.unit_work_create(
            project=project,
            name=f"{number}号楼",
            structure_type="frame",
            floors_above=3,
            gross_area="100",
            design_service_life_years=50,
            actor=admin,
        )
        services.location_create(
            unit_work=unit_work, kind="floor", name=f"{number + 1}层", parent=root, actor=admin
        )
    client = signed_in(alice)
    # The gates' checks are a fixed number of queries, whatever the project holds.
    pages = {
        reverse("project-setup-page", args=[project.pk]): 14,
        reverse("lead-timeline-page", args=[project.pk]): 12,
        # One query per kind of record that may name a location (usages, inspection lots …).
        reverse("location-tree-page", args=[project.pk, unit_work.pk]): 12,
        reverse("party-create-page", args=[project.pk]): 7,
        reverse("person-create-page", args=[project.pk]): 10,
    }
    for url, count in pages.items():
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200


def test_the_permit_number_is_refused_with_the_reason_while_letters_are_missing(project, alice):
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.UNDER_SUPERVISION)
    client = signed_in(alice)
    page = text(client.get(reverse("project-setup-page", args=[project.pk]), **EN))
    assert "Record the construction permit number" in page
    response = client.post(
        reverse("project-gate", args=[project.pk, "permit_number"]),
        {"permit-permit_number": "330108202603020101"},
        **EN,
    )
    assert response.status_code == 400
    assert "The construction permit number cannot be recorded yet." in text(response)
    project.refresh_from_db()
    assert project.permit_number == ""


def test_the_deadline_partial_shows_a_new_leads_documents_overdue(project, alice, admin, rf):
    tenure = lead_of(project, Role.DESIGN)
    successor = services.person_create(
        name="吴昊",
        id_number=id_number("33010519860303123"),
        organization=tenure.participation.organization,
        actor=admin,
    )
    services.lead_tenure_replace(
        tenure=tenure,
        person=successor,
        effective_date=datetime.date.today() - datetime.timedelta(days=30),
        reason="离职",
        actor=admin,
    )
    request = rf.get("/")
    request.user = alice
    with translation.override("en"):
        html_out = render_to_string(
            "responsibility/partials/lead_deadlines.html", lead_deadlines_context(request, project)
        )
    assert "吴昊" in html_out
    assert "overdue since" in html_out


def test_the_checks_as_typed_need_a_sign_in_and_an_id_number_is_never_put_in_a_url(alice):
    anonymous = Client()
    credit = anonymous.get(reverse("credit-code-check"), {"credit_code": "9133"})
    assert credit.status_code == 302
    assert anonymous.post(reverse("id-number-check"), {"id_number": "3301"}).status_code == 302
    number = id_number("33010219900101123")
    assert (
        signed_in(alice).get(reverse("id-number-check"), {"id_number": number}).status_code == 405
    )


def test_the_gaps_partial_renders_alone_for_the_project_page(project, alice, olga, rf):
    for user, button in ((alice, True), (olga, False)):
        request = rf.get("/")
        request.user = user
        with translation.override("en"):
            html_out = render_to_string(
                "projects/partials/setup_gaps.html",
                setup_gaps_context(request, project),
                request=request,
            )
        assert html_out.count("has no signed authorization letter") == 5
        assert ("<button" in html_out) is button
        assert "Enter quality supervision" in html_out
