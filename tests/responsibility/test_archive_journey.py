"""Issue 15, test 4, at a desk (1280×900, Chinese): the demo regulator opens the demo
project's archive — the parties and the leads' tenure timeline with verified badges — then
its letters and pledges, reveals a lead's ID number with a reason in the dialog (shown once:
after a reload it is masked again), and finds the reveal in the audit log with the reason and
without the number. The archive then holds the audit event and its ledger entry.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from ledger.models import LedgerEntry
from projects.demo import DEMO_PROJECT_NAME, REPLACEMENT_MANAGER, REVEAL_REASON
from projects.models import AuditEvent, Project
from tests.browser import MARKS
from tests.pages import PHONE, assert_page_ok, phone, screenshot

pytestmark = MARKS

DESK = {"width": 1280, "height": 900}
REASON = "核对施工单位项目经理的执业注册信息（监督抽查）"


@pytest.fixture
def demo_project(transactional_db):
    """The demo, loaded before the browser starts: signing its PDFs runs an event loop of its
    own, which Playwright's would refuse."""
    call_command("load_demo", stdout=StringIO())
    call_command("ledger_checkpoint", verbosity=0)
    return Project.objects.get(name=DEMO_PROJECT_NAME)


def test_a_regulator_audits_the_archive_and_reveals_an_id_number_with_a_reason(
    demo_project, live_server, browser
):
    project = demo_project
    regulator = get_user_model().objects.get(username="regulator")
    manager, full_id = REPLACEMENT_MANAGER[0], REPLACEMENT_MANAGER[1]

    # The archive's overview: the parties and the leads' timeline, every record verified.
    page = phone(browser, live_server, regulator, viewport=DESK)
    page.goto(f"{live_server.url}/projects/{project.pk}/archive/")
    expect(page.locator("h1")).to_have_text(DEMO_PROJECT_NAME)
    timeline = page.locator("figure.tenure-timeline svg")
    expect(timeline).to_be_visible()
    expect(timeline.locator("rect.bar.open")).to_have_count(5)
    expect(timeline).to_contain_text("李国强")  # the contractor's first manager…
    expect(timeline).to_contain_text(manager)  # …and his successor
    expect(page.locator("#tenures tbody tr")).to_have_count(6)
    expect(page.locator("#parties tbody tr")).to_have_count(5)
    expect(page.locator("#parties")).to_contain_text("91330108MA27XK3L0X")
    badges = page.locator(".record-check .badge")
    expect(badges).to_have_count(18)  # project, building, 5 organizations, 5 parties, 6 tenures
    expect(page.locator(".record-check .badge:not(.ok)")).to_have_count(0)
    expect(badges.first).to_have_text("已验证")
    assert full_id not in page.content()
    assert_page_ok(page)
    screenshot(page, "archive-overview")
    page.set_viewport_size(PHONE)
    screenshot(page, "archive-overview-phone")
    page.set_viewport_size(DESK)

    # The letters and pledges, each signed one with its PDF.
    page.get_by_role("link", name="授权书与承诺书").click()
    expect(page).to_have_url(f"{live_server.url}/projects/{project.pk}/archive/documents/")
    assert page.locator("a.pdf-link").count() >= 10
    expect(page.locator(".record-check .badge.failed")).to_have_count(0)
    assert_page_ok(page)
    screenshot(page, "archive-documents")

    # Reveal the contractor's manager's ID number, with a reason, in the dialog.
    page.locator(f'a[data-reveal][data-field="id_number"][data-what*="{manager}"]').first.click()
    dialog = page.locator("#reveal-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(manager)
    dialog.get_by_label("需要查看完整号码的理由").fill(REASON)
    assert_page_ok(page)
    dialog.get_by_role("button", name="显示号码").click()
    expect(dialog.locator("#revealed-number")).to_have_text(full_id)
    expect(dialog).to_contain_text("仅显示这一次")
    screenshot(page, "archive-reveal-dialog")
    dialog.get_by_role("button", name="关闭").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#revealed-number")).to_have_count(0)
    page.reload()
    expect(page.locator("h1")).to_have_text(DEMO_PROJECT_NAME)
    assert full_id not in page.content()  # shown once: masked again

    event = AuditEvent.objects.get(reason=REASON)
    assert (event.actor, event.action) == (regulator, "reveal_id_number")
    assert LedgerEntry.objects.filter(
        record_type="projects.auditevent", record_id=str(event.pk)
    ).exists()

    # The audit log: this reveal and the demo's, with their reasons, never the number.
    page.goto(f"{live_server.url}/audit/")
    rows = page.locator("#audit-events tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(REASON)
    expect(rows.first).to_contain_text("查看完整身份证号")
    expect(rows.nth(1)).to_contain_text(REVEAL_REASON)
    assert full_id not in page.content()
    assert_page_ok(page)
    screenshot(page, "audit-log")

    # The plaques tab of the project under way: no plaque frozen yet, each unit work says so.
    page.goto(f"{live_server.url}/projects/{project.pk}/archive/plaques/")
    expect(page.locator(".plaque-state")).to_have_count(project.unit_works.count())
    assert_page_ok(page)
