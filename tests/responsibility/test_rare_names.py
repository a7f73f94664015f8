"""Every name renders: a lead whose name uses CJK Extensions A, B, D, E and F gets a pledge, a
plaque print file, a trace report and a recall report that show it (text extracted back,
page rendered with ink where the name is, every font embedded); a character no font has is
refused, naming it, and nothing is written."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pypdf
import pytest

from ledger.models import LedgerEntry
from projects import services
from projects.models import Person, Project, Role, UnitWork
from responsibility.models import Plaque, ResponsibilityDocument
from storage.models import StoredObject
from storage.selectors import object_read_bytes
from tests.conftest import LEADS, PARTIES, credit_code, id_number, lead_of
from tests.pdf_checks import ink_under, pdf_fonts, pdf_text
from tests.responsibility.conftest import client_for, prepare, sign_as
from tests.responsibility.defect_data import cases_url, open_body
from tests.responsibility.plaque_data import gates_open

pytestmark = pytest.mark.django_db

# Extension A 㐀, B 𠀀, D 𫝀, E 𫠠, F 𬺰.
CONTRACTOR_LEAD = "张㐀𠀀𫝀𫠠𬺰"
SUPERVISOR_LEAD = "赵𬺰𫠠𫝀𠀀㐀"
RARE = "㐀𠀀𫝀𫠠𬺰"
NAMES = {Role.CONTRACTOR: CONTRACTOR_LEAD, Role.SUPERVISOR: SUPERVISOR_LEAD}


@pytest.fixture
def project(admin):
    """The usual project (tests/conftest.py), its contractor's and supervisor's leads named
    with characters outside the BMP and in Extension A."""
    project = services.project_create(
        name="杭州市滨江区某住宅小区3号楼",
        jurisdiction_code="330108",
        address="浙江省杭州市滨江区长河街道江汉路以南",
        site_latitude=Decimal("30.188512"),
        site_longitude=Decimal("120.201436"),
        actor=admin,
    )
    for role, (name, code) in PARTIES.items():
        organization = services.organization_create(
            name=name, credit_code=credit_code(code), actor=admin
        )
        services.participation_create(
            project=project, organization=organization, role=role, actor=admin
        )
        lead_name, first17, qualification, cert_no = LEADS[role]
        person = services.person_create(
            name=NAMES.get(role, lead_name),
            id_number=id_number(first17),
            phone="13805710000",
            organization=organization,
            practice_qualification=qualification,
            practice_cert_no=cert_no,
            actor=admin,
        )
        services.lead_tenure_open(
            project=project,
            role=role,
            person=person,
            start_date=datetime.date(2025, 3, 1),
            actor=admin,
        )
    return project


def assert_shows(data: bytes, *names: str) -> None:
    text = pdf_text(data)
    for name in names:
        assert name in text, name
    fonts = pdf_fonts(data)
    assert fonts
    assert all(row["emb"] == "yes" for row in fonts), [r["line"] for r in fonts]
    assert any("HanaMinA" in row["name"] for row in fonts)
    assert any("HanaMinB" in row["name"] for row in fonts)
    reader = pypdf.PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "zh-CN"
    assert root["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
    assert reader.metadata.title
    assert reader.metadata.author.startswith("Lifetime Quality Archive")
    assert reader.xmp_metadata.dc_language == ["zh-CN"]
    # PDF/A-2b in the XMP (as an element, or as an attribute once pyHanko has rewritten it).
    assert re.search(rb'pdfaid:part(>|=")2', root["/Metadata"].get_data())
    links = [a.get_object() for page in reader.pages for a in page.get("/Annots", [])]
    assert all(link["/F"] == 4 for link in links if link["/Subtype"] == "/Link")
    ink = ink_under(data, RARE)
    assert set(ink) == set(RARE), ink
    assert all(pixels > 5 for pixels in ink.values()), ink  # blank: 0


def test_the_pledge_and_the_plaque_print_file_show_a_lead_named_outside_the_bmp(
    project, signers, admin, monkeypatch
):
    gates_open(monkeypatch)  # one pledge signed here, not all ten
    unit_work = services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type=UnitWork.StructureType.SHEAR_WALL,
        floors_above=18,
        gross_area=Decimal("12036.50"),
        design_service_life_years=50,
        start_date=datetime.date(2025, 4, 18),
        completion_date=datetime.date(2026, 10, 30),
        actor=admin,
    )
    signed = sign_as(signers[Role.CONTRACTOR]["lead"], project, Role.CONTRACTOR, "pledge")
    pledge = ResponsibilityDocument.objects.get(pk=signed["id"])
    assert_shows(object_read_bytes(obj=pledge.pdf), CONTRACTOR_LEAD)

    for stage in ("under_supervision", "under_construction", "completion_accepted"):
        services.project_stage_advance(project=project, to_stage=stage, actor=admin)
    plaque = Plaque.objects.get(unit_work=unit_work)
    assert plaque.pdf_id is not None  # made when frozen
    assert_shows(object_read_bytes(obj=plaque.pdf), CONTRACTOR_LEAD, SUPERVISOR_LEAD)


def test_the_trace_and_recall_reports_show_leads_named_outside_the_bmp(project, site, api_as):
    case = api_as("alice").post(cases_url(project), open_body(site), format="json").json()
    response = api_as("reggie").get(cases_url(project, case, "trace.pdf"))
    assert response.status_code == 200
    assert_shows(response.content, CONTRACTOR_LEAD)

    maker = site["batch"].manufacturer
    notice = api_as("reggie").post(
        "/api/v1/defect-notices/",
        {
            "manufacturer": maker.pk,
            "product": "聚氯乙烯绝缘电缆",
            "batch_number_from": "B2503-001",
            "batch_number_to": "B2503-020",
            "source": "浙江省2025年第二季度建设工程材料质量抽查通报",
            "issued_on": "2025-06-01",
            "description": "导体电阻超标",
        },
        format="json",
    )
    assert notice.status_code == 201, notice.json()
    response = api_as("reggie").get(f"/api/v1/defect-notices/{notice.json()['id']}/report.pdf")
    assert response.status_code == 200
    assert_shows(response.content, SUPERVISOR_LEAD)


def test_a_name_no_font_can_print_is_refused_before_a_pledge_is_prepared(project, signers, admin):
    lead = lead_of(project, Role.DESIGN)
    Person.objects.filter(pk=lead.person_id).update(name="刘\ue000远")
    documents, entries = ResponsibilityDocument.objects.count(), LedgerEntry.objects.count()

    response = prepare(client_for(signers[Role.DESIGN]["lead"]), project, Role.DESIGN, "pledge")

    assert response.status_code == 400
    assert "U+E000" in str(response.json())
    assert ResponsibilityDocument.objects.count() == documents
    assert LedgerEntry.objects.count() == entries


def test_a_plaque_no_font_can_print_is_not_frozen_and_nothing_is_stored(project, admin, api_as):
    unit_work = services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type=UnitWork.StructureType.SHEAR_WALL,
        floors_above=18,
        gross_area=Decimal("12036.50"),
        design_service_life_years=50,
        actor=admin,
    )
    Person.objects.filter(pk=lead_of(project, Role.OWNER).person_id).update(name="王\U000f0001")
    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.COMPLETION_ACCEPTED)
    stored, entries = StoredObject.objects.count(), LedgerEntry.objects.count()

    response = api_as("alice").post(
        f"/api/v1/projects/{project.pk}/unit-works/{unit_work.pk}/plaque/freeze/"
    )

    assert response.status_code == 400
    assert "U+F0001" in str(response.json())
    assert not Plaque.objects.exists()
    assert StoredObject.objects.count() == stored
    assert LedgerEntry.objects.count() == entries
