"""The demo's regulator reads a project's archive at a desk, in a real browser (1280×900,
Chinese): the materials tab, from the cable's delivery to its test report and the floor it
went into; the acceptance tab, with the photos' capture and receipt times and the one the
archive flags. Every badge says verified (a checkpoint was signed after the demo loaded);
every page passes axe-core, fits a 360 px screen and breaks no CSP rule.

Set SCREENSHOTS=<dir> to keep a screenshot of each page visited."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from inspections.models import Photo
from jobs.engine import run_queued
from ledger.services import checkpoint_create
from materials.models import Delivery
from projects.demo import DEMO_PROJECT_NAME
from projects.models import Project
from tests.browser import MARKS
from tests.pages import assert_page_ok, phone, screenshot

pytestmark = MARKS

DESK = {"width": 1280, "height": 900}
VERIFIED, AWAITING, MISMATCH = "已验证", "待下一检查点", "与账本不符"


def all_verified(page) -> int:
    """How many badges the page shows, after checking each says verified."""
    main = page.locator("main")
    expect(main.locator(".record-check .badge").first).to_be_visible()
    badges = main.locator(".record-check .badge").all_inner_texts()
    assert set(badges) == {VERIFIED}, badges
    return len(badges)


def visit(page, name):
    page.wait_for_load_state()
    assert_page_ok(page)
    screenshot(page, f"archive-{name}")


@pytest.fixture
def demo(transactional_db):
    """The demo, loaded before the browser starts (signing its PDFs runs an event loop of
    its own, which Playwright's would refuse), and a checkpoint signed after it."""
    for command in ("load_demo", "load_demo_materials"):
        call_command(command, stdout=StringIO())
    run_queued()  # the photos' previews, as the worker of ``make run`` makes them
    checkpoint_create()


def test_the_regulator_follows_the_cable_and_reads_the_acceptance_tree(demo, browser, live_server):
    project = Project.objects.get(name=DEMO_PROJECT_NAME)
    cable = Delivery.objects.get(project=project, batch__batch_number="YD2508-0117")
    regulator = get_user_model().objects.get(username="regulator")
    page = phone(browser, live_server, regulator, viewport=DESK)

    # The materials tab: the cable's delivery, its maker, sample, report and usages.
    page.goto(f"{live_server.url}/projects/{project.pk}/archive/materials/")
    expect(page.get_by_role("link", name="材料", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    delivery = page.locator(f"#delivery-{cable.pk}")
    expect(delivery.get_by_role("heading", level=2)).to_have_text("聚氯乙烯绝缘电缆 YD2508-0117")
    expect(delivery).to_contain_text("远东电缆有限公司")
    expect(delivery).to_contain_text(cable.batch.manufacturer.credit_code)
    expect(delivery).to_contain_text("赵丽")  # the supervisor who accepted it
    expect(delivery.locator("tr.usage")).to_have_count(3)
    expect(page.locator(".archive-delivery .badge.failed").first).to_be_visible()  # HS250902
    assert all_verified(page) > 20
    visit(page, "materials")
    report_link = delivery.get_by_role("link", name="HZJC-2025-0901")
    report = page.request.get(live_server.url + report_link.get_attribute("href"))
    assert report.status == 200
    assert report.body().startswith(b"%PDF")

    # The sample and its report, then the floor the cable went into.
    delivery.get_by_role("link", name="FY-2025-0901").click()
    expect(page.locator("#report")).to_contain_text("HZJC-2025-0901")
    expect(page.locator("#report")).to_contain_text("合格")
    all_verified(page)
    assert page.locator("main form").count() == 0
    visit(page, "sample")
    page.go_back()
    delivery.get_by_role("link", name="2层", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2层")
    expect(page.locator("#usages")).to_contain_text("YD2508-0117")
    all_verified(page)
    assert page.locator("main form").count() == 0
    visit(page, "location")

    # The delivery's own page: read-only for a regulator.
    page.go_back()
    delivery.get_by_role("link", name="聚氯乙烯绝缘电缆 YD2508-0117").click()
    expect(page.locator("#state")).to_contain_text(VERIFIED)
    assert page.locator("main form").count() == 0
    all_verified(page)
    visit(page, "delivery")

    # The acceptance tab: the tree, sign-offs, photos with taken vs received, one flagged.
    page.go_back()
    page.get_by_role("link", name="验收", exact=True).click()
    expect(page.get_by_role("link", name="2层剪力墙钢筋安装检验批")).to_be_visible()
    expect(page.locator(".archive-photo")).to_have_count(
        Photo.objects.filter(project=project).count()
    )
    expect(page.locator(".archive-photo").first).to_contain_text("拍摄于 2025-09-16 09:01 (+08:00)")
    expect(page.locator(".archive-photo").first).to_contain_text("接收于")
    flagged = page.locator(".archive-photo.flagged")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("3层剪力墙模板支撑")
    expect(flagged).to_contain_text("拍摄时间与记录日期相差过远")
    expect(flagged).to_contain_text("拍摄于 2025-09-04")
    for thumbnail in page.locator(".archive-photo img").all():  # loaded lazily, when seen
        thumbnail.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.archive-photo img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    expect(page.locator(".sign-off").first).to_contain_text("专业监理工程师")
    assert all_verified(page) > 15
    assert page.get_by_text(AWAITING).count() == 0
    assert page.get_by_text(MISMATCH).count() == 0
    visit(page, "acceptance")

    # The same tab on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "archive-acceptance-phone")
    page.goto(f"{live_server.url}/projects/{project.pk}/archive/materials/")
    screenshot(page, "archive-materials-phone")
