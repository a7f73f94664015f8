"""Issue 15, test 1, at a desk in Chinese: the demo regulator finds the demo's open recall
action on the jurisdiction dashboard, opens that project's archive, its defect cases, the
case, and its trace, whose first screen names the five roles' leads in office at the dates
of the work, the contractor who installed the cable and the supervisor who accepted it; a
node of the evidence leads to the delivery with its test report; every badge is verified;
the PDF's first page names the same people. Then the regulator opens a new case through the
form, with a photo, and the archive holds it."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect
from pypdf import PdfReader

from inspections.models import Photo
from projects.demo import DEMO_PROJECT_NAME
from projects.models import Project
from responsibility.models import DefectCase
from responsibility.trace import trace_answer, trace_collect
from tests.browser import MARKS, previews_made
from tests.pages import assert_page_ok, phone, screenshot
from tests.storage.samples import jpeg

pytestmark = [*MARKS, pytest.mark.slow]  # the whole demo is loaded first

DESK = {"width": 1280, "height": 900}


def look(page, name: str) -> None:
    assert_page_ok(page)
    screenshot(page, f"defects-{name}")


@pytest.fixture
def demo(transactional_db):
    """The demo with its defect case, and a checkpoint over it: loaded before the browser
    starts (signing the demo's PDFs runs its own event loop, which Playwright's would block)."""
    for command in ("load_demo", "load_demo_materials", "load_demo_defect_case"):
        call_command(command, verbosity=0, stdout=StringIO())
    call_command("ledger_checkpoint", stdout=StringIO())


def test_the_regulator_traces_the_demo_case_and_opens_another(demo, live_server, browser, tmp_path):
    project = Project.objects.get(name=DEMO_PROJECT_NAME)
    case = DefectCase.objects.get(project=project)
    answer = trace_answer(trace_collect(case))
    leads = {t.tenure.role: t.tenure.person_as_recorded["name"] for t in answer.leads}
    cable = next(u for u in answer.materials if "电缆" in u.delivery.batch.product)
    installer, supervisor = cable.installer.name, cable.delivery.decided_by.person.name
    regulator = get_user_model().objects.get(username="regulator")

    page = phone(browser, live_server, regulator, viewport=DESK)
    # From the jurisdiction dashboard: the demo's open recall action, then its project's
    # archive, then the archive's defect cases.
    page.goto(f"{live_server.url}/oversight/")
    recalls = page.locator("#open_recalls")
    expect(recalls.locator("a.item")).to_contain_text("电缆")
    look(page, "dashboard")
    recalls.locator(f"a.project[href='/projects/{project.pk}/archive/']").first.click()
    expect(page.locator("nav.archive-tabs a[aria-current=page]")).to_have_text("参建单位与负责人")
    look(page, "archive")
    page.click(f"nav.archive-tabs a[href='/projects/{project.pk}/defects/']")
    expect(page.locator("h1")).to_have_text("质量缺陷案件")
    look(page, "list")
    page.click(f"a[href='/projects/{project.pk}/defects/{case.pk}/']")
    expect(page.locator("h1")).to_contain_text(case.number)
    expect(page.locator("#case-hold")).to_contain_text("法律保全")
    look(page, "case")

    page.click("#trace-page")
    expect(page.locator("h1")).to_contain_text("责任追溯")
    # The answer, in the first screen: the five leads, the installer and the supervisor.
    assert len(leads) == 5
    for role, name in leads.items():
        row = page.locator(f"#lead-{role}")
        expect(row).to_contain_text(name)
        expect(row).to_be_in_viewport()
    materials = page.locator("#materials-answer")
    expect(materials).to_contain_text(installer)
    expect(materials).to_contain_text(supervisor)
    expect(materials).to_be_in_viewport()
    # Every badge the trace shows is verified against the signed checkpoint.
    badges = page.locator("#content .record-check .badge")
    assert badges.count() > 30
    expect(page.locator("#content .record-check .badge:not(.ok)")).to_have_count(0)
    look(page, "trace")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "defects-trace-phone")
    page.set_viewport_size(DESK)

    # The PDF: its first page names the same people.
    pdf = page.request.get(live_server.url + page.locator("#trace-pdf").get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    # Names wrap inside the table cells: read the page as one line.
    first = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text().replace("\n", "")
    for name in [*leads.values(), installer, supervisor]:
        assert name in first

    # A node of the evidence: the cable's delivery, with its test report.
    page.click(f"#usages a[href='/projects/{project.pk}/deliveries/{cable.delivery_id}/']")
    sample = cable.delivery.samples.get()
    expect(page.locator("main")).to_contain_text(f"封样 {sample.seal_number}")
    expect(page.locator("main")).to_contain_text("合格")  # its test report's result
    look(page, "delivery")

    # A new case, through the form, with a photo.
    page.goto(f"{live_server.url}/projects/{project.pk}/defects/")
    page.click("#open-defect-case")
    expect(page.locator("h1")).to_have_text("立案")
    look(page, "new")
    page.select_option("#id_unit_work", str(case.unit_work_id))
    page.select_option("#id_location", str(cable.location_id))
    page.fill("#id_discovered_on", case.discovered_on.isoformat())
    page.select_option("#id_category", "electrical")
    page.select_option("#id_trigger", "serious_problem")
    page.fill("#id_description", "2层配电箱附近电线绝缘层开裂。")
    photo = tmp_path / "crack.jpg"
    photo.write_bytes(jpeg((320, 240)))
    page.set_input_files("#id_photos_chosen", str(photo))
    page.click("#open-case")
    expect(page.locator(".messages")).to_contain_text("已立案")
    new = DefectCase.objects.exclude(pk=case.pk).get()
    expect(page.locator("h1")).to_contain_text(new.number)
    previews_made(page)  # the job worker makes the previews
    expect(page.locator("#photos img")).to_have_count(1)
    look(page, "new-case")
    held = Photo.objects.get(subject_id=new.pk, subject_type__model="defectcase")
    assert held.original.legal_hold
    assert new.holds.filter(stored_object=held.original).exists()
