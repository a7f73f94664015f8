"""The defect case pages through Django's test client: opening a case in the form (every
refusal a 400 with the service's words beside its field), the legal holds and closing on
the case page, the trace page's answer and its constant queries, and the trace PDF's first
page naming the people."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from inspections.models import Photo
from projects import services as projects
from projects.models import AuditEvent
from responsibility import defects
from responsibility.models import DefectCase
from tests.responsibility.defect_data import named, open_body, site_build
from tests.storage.samples import jpeg

pytestmark = pytest.mark.django_db


def new_url(project) -> str:
    return f"/projects/{project.pk}/defects/new/"


def case_url(case, action="") -> str:
    return f"/projects/{case.project_id}/defects/{case.pk}/{action}"


def signed_in(client, user):
    client.force_login(user)
    return client


def post_new(client, project, site, **changes):
    body = open_body(site, **changes)
    return client.post(new_url(project), body, HTTP_ACCEPT_LANGUAGE="en")


def field_errors(response, field: str) -> str:
    """The error text shown beside ``field`` (Django's field group: id_<field>_error)."""
    page = response.content.decode()
    match = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</ul>', page, re.S)
    assert match, f"no error beside {field}"
    return re.sub(r"<[^>]+>", " ", match.group(1))


def leads_at(project, day) -> list[str]:
    """The names of the five roles' leads in office on ``day``."""
    tenures = project.lead_tenures.filter(start_date__lte=day).exclude(end_date__lt=day)
    names = list(tenures.values_list("person__name", flat=True))
    assert len(names) == 5
    return names


@pytest.fixture
def open_case(site, alice):
    return defects.defect_case_open(
        project=site["unit_work"].project,
        unit_work=site["unit_work"],
        location=site["column"],
        discovered_on=datetime.date(2026, 3, 2),
        description="5层A轴柱出现竖向裂缝",
        category="structure",
        trigger="serious_problem",
        actor=alice,
    )


# --- Opening a case ---


def test_a_regulator_opens_a_case_with_a_photo_and_lands_on_it(client, project, site, reggie):
    signed_in(client, reggie)
    form = client.get(new_url(project)).content.decode()
    assert "5层A轴柱" in form  # the location picker, in tree order
    photo = named(jpeg(), "crack.jpg")
    response = post_new(client, project, site, photos_chosen=[photo])
    assert response.status_code == 303
    case = DefectCase.objects.get()
    assert response["Location"] == case_url(case)
    assert case.opened_by == reggie
    assert Photo.objects.filter(subject_id=case.pk, original__legal_hold=True).count() == 1
    page = client.get(case_url(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Case {case.number} is opened" in page


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"discovered_on": "2026-02-30"}, "discovered_on", "Enter a valid date"),
        ({"discovered_on": "2099-01-01"}, "discovered_on", "is in the future"),
        ({"discovered_on": "2025-01-01"}, "discovered_on", "before work on 3号楼 started"),
        ({"description": ""}, "description", "This field is required"),
        ({"category": "roof"}, "category", "Select a valid choice"),
    ],
)
def test_a_bad_field_is_refused_beside_it(client, project, site, reggie, changes, field, words):
    response = post_new(signed_in(client, reggie), project, site, **changes)
    assert response.status_code == 400
    assert words in field_errors(response, field)
    assert not DefectCase.objects.exists()


def test_a_unit_work_or_location_of_another_project_is_refused(
    client, project, site, reggie, other_project, admin, alice, leo, quinn
):
    signed_in(client, reggie)
    unit = projects.unit_work_create(
        project=other_project,
        name="1号楼",
        structure_type="frame",
        floors_above=5,
        gross_area="1000",
        design_service_life_years=50,
        actor=admin,
    )
    response = post_new(client, project, site, unit_work=unit.pk)
    assert response.status_code == 400
    assert "This project has no such unit work." in field_errors(response, "unit_work")
    elsewhere = projects.location_create(unit_work=unit, kind="floor", name="1层", actor=admin)
    response = post_new(client, project, site, location=elsewhere.pk)
    assert response.status_code == 400
    assert "This project has no such location." in field_errors(response, "location")
    assert not DefectCase.objects.exists()


def test_a_location_outside_the_unit_work_is_refused(client, project, site, reggie, admin):
    annex = projects.unit_work_create(
        project=project,
        name="附属楼",
        structure_type="frame",
        floors_above=2,
        gross_area="500",
        design_service_life_years=50,
        start_date=datetime.date(2025, 3, 1),
        actor=admin,
    )
    response = post_new(signed_in(client, reggie), project, site, unit_work=annex.pk)
    assert response.status_code == 400
    assert "This location is not in 附属楼" in field_errors(response, "location")


def test_a_defect_past_the_responsibility_horizon_is_refused_in_words(
    client, project, site, reggie, admin
):
    projects.unit_work_update(
        unit_work=site["unit_work"],
        completion_date=datetime.date(2025, 6, 1),
        design_service_life_years=1,
        actor=admin,
    )
    response = post_new(signed_in(client, reggie), project, site, discovered_on="2026-07-01")
    assert response.status_code == 400
    words = field_errors(response, "discovered_on")
    assert "after the responsibility horizon of 3号楼, which ended on 2026-06-01" in words
    # The form keeps what was typed.
    assert 'value="2026-07-01"' in response.content.decode()


def test_a_corrupt_photo_is_refused_and_no_case_is_left(client, project, site, reggie):
    broken = named(b"\xff\xd8\xff\xe0 not really a jpeg", "broken.jpg")
    response = post_new(signed_in(client, reggie), project, site, photos_chosen=[broken])
    assert response.status_code == 400
    assert field_errors(response, "photos_chosen").strip()
    assert not DefectCase.objects.exists()


@pytest.mark.parametrize(("actor", "status"), [("olga", 403), ("rita", 404), ("charlie", 404)])
def test_who_may_not_open_a_case(client, project, site, request, actor, status):
    signed_in(client, request.getfixturevalue(actor))
    assert client.get(new_url(project)).status_code == status
    assert post_new(client, project, site).status_code == status
    assert not DefectCase.objects.exists()


def test_the_list_offers_opening_a_case_only_to_those_allowed(client, project, reggie, olga):
    listing = f"/projects/{project.pk}/defects/"
    assert 'id="open-defect-case"' in signed_in(client, reggie).get(listing).content.decode()
    assert 'id="open-defect-case"' not in signed_in(client, olga).get(listing).content.decode()


# --- The case page: legal holds and closing ---


def test_the_case_shows_its_holds_and_closing_lifts_them(client, open_case, reggie):
    signed_in(client, reggie)
    page = client.get(case_url(open_case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    held = open_case.holds.count()
    assert held >= 2
    assert f"Legal hold on {held} files" in page
    assert page.count('<span class="badge waiting">on hold</span>') == held
    assert 'id="close-case"' in page

    empty = client.post(case_url(open_case), {"reason": " "}, HTTP_ACCEPT_LANGUAGE="en")
    assert empty.status_code == 400
    assert "Say why the case is closed." in field_errors(empty, "reason")

    closed = client.post(case_url(open_case), {"reason": "已加固处理"}, HTTP_ACCEPT_LANGUAGE="en")
    assert closed.status_code == 303
    page = client.get(case_url(open_case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"the legal holds on {held} files are lifted" in page
    assert page.count('<span class="badge neutral">lifted</span>') == held
    assert "已加固处理" in page
    assert 'id="close-case"' not in page

    again = client.post(case_url(open_case), {"reason": "再次"}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400
    assert "was already closed" in again.content.decode()


def test_those_the_case_may_hold_responsible_cannot_close_it(client, open_case, alice, olga):
    for user in (alice, olga):
        signed_in(client, user)
        assert 'id="close-case"' not in client.get(case_url(open_case)).content.decode()
        assert client.post(case_url(open_case), {"reason": "x"}).status_code == 403
    open_case.refresh_from_db()
    assert open_case.is_open


# --- The trace page ---


def test_the_trace_answers_first_with_the_leads_installer_and_supervisor(
    client, project, open_case, site, reggie
):
    page = signed_in(client, reggie).get(case_url(open_case, "trace/")).content.decode()
    answer = page[page.index('id="answer"') : page.index('id="evidence"')]
    for role in ("owner", "survey", "design", "contractor", "supervisor"):
        assert f'id="lead-{role}"' in answer
    for name in leads_at(project, site["usage"].used_on):
        assert name in answer
    assert site["usage"].installer.name in answer
    assert "赵丽" in answer  # the supervisor who accepted the lot and the delivery
    assert f'href="/projects/{project.pk}/deliveries/{site["delivery"].pk}/"' in page
    assert "Not in the ledger" not in page
    assert "不在账本中" not in page


@pytest.mark.parametrize(("actor", "status"), [("olga", 200), ("rita", 404), ("charlie", 404)])
def test_who_may_read_the_trace_and_each_reading_is_audited(
    client, open_case, request, actor, status
):
    user = request.getfixturevalue(actor)
    response = signed_in(client, user).get(case_url(open_case, "trace/"))
    assert response.status_code == status
    viewed = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW_TRACE, actor=user)
    assert viewed.count() == (1 if status == 200 else 0)


def test_the_trace_page_reads_a_fixed_number_of_queries(
    client, project, open_case, site, reggie, django_assert_max_num_queries
):
    signed_in(client, reggie)
    url = case_url(open_case, "trace/")
    client.get(url)  # content types and the like cached
    with django_assert_max_num_queries(40) as few:
        assert client.get(url).status_code == 200
    more_evidence(site)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def more_evidence(site):
    """Three more usages of the same delivery below the case's location."""
    from materials import services as materials

    for n in range(3):
        materials.usage_create(
            delivery=site["delivery"],
            location=site["column"],
            quantity=1 + n,
            used_on=site["usage"].used_on,
            acceptance_record=site["usage"].acceptance_record,
            actor=site["usage"].created_by,
        )


def test_the_trace_pdf_names_the_people_on_page_one(api_as, project, open_case, site):
    response = api_as("reggie").get(
        f"/api/v1/projects/{project.pk}/defect-cases/{open_case.pk}/trace.pdf",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages]
    first = pages[0].replace("\n", "")  # names wrap inside table cells
    assert "一、责任主体与责任人" in first
    for name in leads_at(project, site["usage"].used_on):
        assert name in first
    assert "赵丽" in first
    assert "叶哈希" not in first  # the hashes are in the appendix, at the end
    assert "叶哈希" in pages[-1]
    everything = "".join(pages)
    assert "（unit）" not in everything
    assert "3号楼（单体）" in everything  # the kind in words


__all__ = ["site_build"]
