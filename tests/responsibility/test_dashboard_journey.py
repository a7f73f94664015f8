"""At a desk, in Chinese: the demo's regulator opens the jurisdiction dashboard, finds the open
recall action of the demo project with its link, narrows the page to recall actions and
reads the two charts; the same page fits a phone."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from materials.models import RecallAction
from tests.browser import MARKS
from tests.pages import assert_page_ok, phone, screenshot

pytestmark = MARKS
DESK = {"width": 1280, "height": 900}


@pytest.fixture
def demo(transactional_db):
    """The demo's two projects and their materials, loaded before the browser starts (its
    event loop would be running under the demo's S3 uploads)."""
    for command in ("load_demo", "load_demo_materials"):
        call_command(command, stdout=StringIO())


def test_the_regulator_finds_the_open_recall_action_and_narrows_the_dashboard_to_recalls(
    demo, live_server, browser
):
    regulator = get_user_model().objects.get(username="regulator")
    action = RecallAction.objects.select_related("project").get(closed_at__isnull=True)
    action_url = reverse("recall-action-page", args=[action.notice_id, action.pk])

    page = phone(browser, live_server, regulator, viewport=DESK)
    page.goto(live_server.url + "/")
    page.click("nav.primary a[href='/oversight/']")
    expect(page.locator("h1")).to_have_text("辖区监管看板")
    expect(page.locator("nav.console-tabs a[aria-current=page]")).to_have_text("辖区")
    recalls = page.locator("#open_recalls")
    expect(recalls.locator(".badge")).to_have_text("1")
    link = recalls.locator(f"a.item[href='{action_url}']")
    expect(link).to_contain_text("聚氯乙烯绝缘电缆")
    expect(recalls.locator("a.project")).to_have_attribute(
        "href", reverse("archive-page", args=[action.project_id])
    )
    # The charts: this month's bar holds the recall action opened today; every stage a bar.
    expect(page.locator("#chart-months svg rect.k-open_recalls")).to_have_count(1)
    expect(page.locator("#chart-stages svg rect.stage-bar")).to_have_count(7)
    expect(page.locator("#top-projects tbody tr").first).to_contain_text(action.project.name)
    assert_page_ok(page)
    screenshot(page, "dashboard-desk")

    page.select_option("#id_kind", "open_recalls")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/oversight/?*kind=open_recalls*")
    expect(page.locator("section.oversight-list")).to_have_count(1)
    expect(page.locator("#open_recalls a.item")).to_have_attribute("href", action_url)
    expect(page.locator("#missing_documents")).to_have_count(0)
    expect(page.locator("#chart-months .legend li")).to_have_count(1)
    assert_page_ok(page)
    screenshot(page, "dashboard-recalls")
    filtered = page.url
    page.context.close()

    small = phone(browser, live_server, regulator)
    small.goto(filtered)
    expect(small.locator("#open_recalls a.item")).to_be_visible()
    assert_page_ok(small)
    screenshot(small, "dashboard-phone")
