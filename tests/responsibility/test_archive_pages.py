"""A project's archive through the Django client: who may read it (a regulator of another
jurisdiction gets a 404 on every page), what each page shows (parties, the leads' timeline
with its gaps and overlaps, letters and pledges with their evidence and corrections, plaques
and their installations), the reveal offered only where it will be allowed, and constant
queries."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from inspections import services as inspections
from jobs.engine import run_queued
from projects import services as project_services
from projects.models import LeadTenure, Participation, Person, Role
from responsibility import plaques
from responsibility import services as responsibility_services
from responsibility.archive import tenure_timeline
from responsibility.models import Plaque
from tests.conftest import id_number, lead_of, organization_of
from tests.responsibility.conftest import sign_as
from tests.responsibility.plaque_data import completion_build, gates_open, unit_work_build

PAGES = ("archive-page", "archive-documents-page", "archive-plaques-page")


def page_client(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def url(name, project) -> str:
    from django.urls import reverse

    return reverse(name, args=[project.pk])


# --- Who may read it ---


@pytest.mark.parametrize("name", PAGES)
def test_every_archive_page_is_for_those_who_may_read_the_project(
    name, project, reggie, rita, dan, alice, charlie, admin
):
    """Its members, its jurisdiction's regulators and operators read; a regulator of another
    province or district, and a member of another project, get the 404 that does not say
    whether the project exists; a visitor is sent to sign in."""
    for user, status in (
        (reggie, 200),
        (alice, 200),
        (admin, 200),
        (rita, 404),
        (dan, 404),
        (charlie, 404),
    ):
        response = page_client(user).get(url(name, project))
        assert response.status_code == status, (user.username, name)
        if status == 404:
            assert project.name not in response.content.decode()
    anonymous = page_client(None).get(url(name, project))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/")


# --- The overview: parties and the leads' timeline ---


def test_the_overview_shows_the_parties_and_the_leads_timeline_with_verified_badges(
    project, reggie, admin
):
    call_command("ledger_checkpoint", verbosity=0)
    page = page_client(reggie).get(url("archive-page", project)).content.decode()
    contractor = organization_of(project, Role.CONTRACTOR)
    assert contractor.name in page
    assert contractor.credit_code in page
    lead = lead_of(project, Role.CONTRACTOR).person
    assert lead.name in page
    assert lead.id_number_masked in page
    assert id_number("33018319850609241") not in page  # the full number is never on the page
    assert page.count("<svg") == 1
    assert page.count('class="bar open"') == 5
    assert 'id="tenures"' in page  # the same dates as a table
    assert "Verified" in page
    assert "Does not match" not in page
    assert 'id="reveal-dialog"' in page
    assert "projects/reveal.js" in page


def test_the_reveal_is_offered_only_to_those_it_will_be_allowed(project, reggie, alice, admin):
    """A site supervisor and an operator see the masked numbers with no reveal control:
    the service would refuse them (``person_reveal_check``)."""
    lead = lead_of(project, Role.CONTRACTOR).person
    reveal = f"/people/{lead.pk}/reveal/?field=id_number"
    assert reveal in page_client(reggie).get(url("archive-page", project)).content.decode()
    for user in (alice, admin):
        page = page_client(user).get(url("archive-page", project)).content.decode()
        assert lead.id_number_masked in page
        assert "/reveal/" not in page
        assert "reveal-dialog" not in page


def tenure(pk, participation, start, end=None) -> LeadTenure:
    return LeadTenure(
        pk=pk,
        role=participation.role,
        participation_id=participation.pk,
        person=Person(name=f"负责人{pk}"),
        start_date=start,
        end_date=end,
    )


def test_the_timeline_marks_a_gap_without_a_lead_and_two_leads_at_once():
    """A handover on one day is neither; a week nobody led is a gap; a second lead from
    before the first left is an overlap, drawn in a second lane."""
    owner = Participation(pk=1, role=Role.OWNER)
    contractor = Participation(pk=2, role=Role.CONTRACTOR)
    day = datetime.date
    tenures = [
        tenure(1, owner, day(2025, 1, 1), day(2025, 3, 1)),
        tenure(2, owner, day(2025, 3, 1), day(2025, 5, 1)),  # handover: same day
        tenure(3, owner, day(2025, 5, 10)),  # gap 5-01 .. 5-10
        tenure(4, contractor, day(2025, 1, 1), day(2025, 6, 1)),
        tenure(5, contractor, day(2025, 4, 1)),  # overlap 4-01 .. 6-01
    ]
    timeline = tenure_timeline([contractor, owner], tenures, today=day(2025, 12, 1))
    owner_row, contractor_row = timeline.rows  # the five roles' order, not the given one
    assert owner_row.participation is owner
    assert [(s.kind, s.start, s.end) for s in owner_row.spans] == [
        ("gap", day(2025, 5, 1), day(2025, 5, 10))
    ]
    assert [(s.kind, s.start, s.end) for s in contractor_row.spans] == [
        ("overlap", day(2025, 4, 1), day(2025, 6, 1))
    ]
    assert len({bar.y for bar in owner_row.bars}) == 1  # one lane
    assert len({bar.y for bar in contractor_row.bars}) == 2  # stacked
    assert (timeline.gaps, timeline.overlaps) == (1, 1)
    first, second = owner_row.bars[:2]
    assert first.x < second.x
    assert abs(first.x + first.width - second.x) < 0.2
    assert all(bar.x >= 0 and bar.x + bar.width <= timeline.width for bar in contractor_row.bars)
    assert timeline.ticks
    assert all(t.label.startswith("2025") for t in timeline.ticks)
    assert tenure_timeline([owner], [], today=day(2025, 12, 1)) is None
    lab = Participation(pk=3, role=Role.TESTING_LAB)  # names no lead: not drawn
    assert len(tenure_timeline([owner, lab], tenures[:1], today=day(2025, 12, 1)).rows) == 1


# --- Letters and pledges ---


@pytest.fixture
def documents(project, leo, olga, admin):
    """The contractor lead's pledge signed, then corrected (a draft supersedes it), and the
    owner's letter awaiting its signature."""
    signed = sign_as(leo, project, Role.CONTRACTOR, "pledge")
    from responsibility.models import ResponsibilityDocument

    original = ResponsibilityDocument.objects.get(pk=signed["id"])
    correction = responsibility_services.document_correct(document=original, actor=admin)
    responsibility_services.document_prepare(
        project=project, role=Role.OWNER, kind="letter", actor=admin
    )
    return original, correction


def test_the_documents_page_shows_each_letter_and_pledge_with_its_pdf_evidence_and_correction(
    project, documents, reggie
):
    original, correction = documents
    page = page_client(reggie).get(url("archive-documents-page", project)).content.decode()
    assert original.number in page
    assert correction.number in page
    assert f"/sign/{original.pk}/pdf/" in page  # the signed PDF, through its download page
    assert f"/sign/{correction.pk}/pdf/" not in page  # a draft has none
    assert "Signing evidence" in page
    assert "pytest-phone/1.0" in page
    assert f'href="#document-{correction.pk}"' in page  # its correction, awaiting signature
    assert f'href="#document-{original.pk}"' in page  # "corrects"
    assert "Correction awaiting signature" in page
    assert "awaiting signature" in page
    assert page.count('class="record-check"') == 4  # three documents, one signing's evidence


# --- Plaques ---


def jpeg(shade=120) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, shade, shade)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "plaque.jpg"
    return buffer


@pytest.fixture
def accepted(project, signers, admin, monkeypatch):
    """Completion accepted for two buildings: both plaques froze."""
    gates_open(monkeypatch)
    unit_works = [unit_work_build(project, admin), unit_work_build(project, admin, "4号楼")]
    record = completion_build(project, signers, admin, unit_works, letters=False)
    inspections.record_accept(record=record, actor=admin)
    return list(Plaque.objects.filter(unit_work__project=project).order_by("unit_work__name"))


def install(plaque, user, day=0):
    plaques.plaque_install_record(
        plaque=plaque,
        installed_on=timezone.localdate() - datetime.timedelta(days=day),
        position=f"入口{day}",
        material="铜",
        installed_by="某安装队",
        photos=[jpeg(shade=day * 20)],
        actor=user,
    )
    run_queued()


# Session, user, the layout's role (regulator account); the project; the unit works with
# their plaques; the installations, their photos with stored objects; the badges (entries,
# checkpoint, two for the proofs).
PLAQUES_QUERIES = 11


def test_the_plaques_page_shows_each_plaque_and_reads_in_constant_queries(
    project, accepted, alice, reggie, django_assert_max_num_queries
):
    install(accepted[0], alice)
    call_command("ledger_checkpoint", verbosity=0)  # the badges' proofs are read too
    client = page_client(reggie)
    with django_assert_max_num_queries(PLAQUES_QUERIES):
        page = client.get(url("archive-plaques-page", project)).content.decode()
    assert page.count("/thumbnail/") == 1
    assert "Installed in time" in page
    assert "To install" in page
    for plaque in accepted:
        assert f"/unit-works/{plaque.unit_work_id}/plaque/print.pdf" in page

    for day in range(1, 4):
        install(accepted[0], alice, day)
        install(accepted[1], alice, day)
    call_command("ledger_checkpoint", verbosity=0)
    with django_assert_max_num_queries(PLAQUES_QUERIES):
        page = client.get(url("archive-plaques-page", project)).content.decode()
    assert page.count("/thumbnail/") == 7


# --- Constant queries of the overview and the documents page ---

# As above, then the participations (organizations, representatives), the tenures (people),
# the unit works, whom the regulator may reveal; the badges (four).
OVERVIEW_QUERIES = 12
# The documents with signers, tenures, evidence and corrected documents; whom the regulator
# may reveal; the badges (four).
DOCUMENTS_QUERIES = 10


def test_the_overview_reads_in_constant_queries_with_more_parties_leads_and_buildings(
    project, reggie, admin, django_assert_max_num_queries
):
    call_command("ledger_checkpoint", verbosity=0)  # the badges' proofs are read too
    client = page_client(reggie)
    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        assert client.get(url("archive-page", project)).status_code == 200

    for n, role in enumerate((Role.OWNER, Role.DESIGN, Role.SUPERVISOR)):
        current = lead_of(project, role)
        successor = project_services.person_create(
            name=f"继任{n}",
            id_number=id_number(f"33010219900{n + 1}01123"),
            organization=current.participation.organization,
            actor=admin,
        )
        project_services.lead_tenure_replace(
            tenure=current,
            person=successor,
            effective_date=datetime.date(2025, 6, 1 + n),
            reason="调任",
            actor=admin,
        )
        unit_work_build(project, admin, name=f"{5 + n}号楼")
    call_command("ledger_checkpoint", verbosity=0)
    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        page = client.get(url("archive-page", project)).content.decode()
    assert "继任2" in page
    assert page.count('class="bar open"') == 5


def test_the_documents_page_reads_in_constant_queries(
    project, reggie, admin, django_assert_max_num_queries
):
    responsibility_services.document_prepare(
        project=project, role=Role.OWNER, kind="pledge", actor=admin
    )
    call_command("ledger_checkpoint", verbosity=0)  # the badges' proofs are read too
    client = page_client(reggie)
    with django_assert_max_num_queries(DOCUMENTS_QUERIES):
        assert client.get(url("archive-documents-page", project)).status_code == 200
    for role in (Role.SURVEY, Role.DESIGN, Role.CONTRACTOR, Role.SUPERVISOR):
        responsibility_services.document_prepare(
            project=project, role=role, kind="pledge", actor=admin
        )
    call_command("ledger_checkpoint", verbosity=0)
    with django_assert_max_num_queries(DOCUMENTS_QUERIES):
        page = client.get(url("archive-documents-page", project)).content.decode()
    assert page.count('class="card document"') == 5
