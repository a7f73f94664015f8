"""Issue 15, journey 2, in a real browser at a desk (1280×900, Chinese): the demo's
regulator issues a recall notice for the demo's cable batch, finds the demo project's
usages with their floors, downloads the CSV for Excel; the project's site supervisor opens
the action, attaches the evidence and closes it; the regulator's open count drops, and the
ledger holds the closing. Every page passes axe-core, fits 360 px and breaks no CSP rule.

Set SCREENSHOTS=<dir> to keep a screenshot of each page visited."""

from __future__ import annotations

import csv
import io
import re
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from ledger.canonical import record_type
from ledger.models import LedgerEntry
from materials.models import DefectNotice, RecallAction
from tests.browser import MARKS
from tests.conftest import credit_code
from tests.pages import assert_page_ok, phone, screenshot
from tests.storage.samples import pdf

pytestmark = MARKS

DESK = {"width": 1280, "height": 900}
CABLE_MAKER = credit_code("91320282250423100")  # 远东电缆有限公司, materials/demo.py


def visit(page, name):
    page.wait_for_load_state()
    assert_page_ok(page)
    screenshot(page, name)


@pytest.fixture
def demo(transactional_db):
    """Loaded before the browser starts: signing the demo's PDFs runs an event loop of its
    own, which Playwright's would refuse."""
    for command in ("load_demo", "load_demo_materials", "ledger_checkpoint"):
        call_command(command, stdout=StringIO())


def test_a_regulator_recalls_the_demo_cable_and_the_site_closes_its_action(
    demo, browser, live_server, tmp_path
):
    users = get_user_model().objects
    regulator, supervisor = users.get(username="regulator"), users.get(username="supervisor")
    page = phone(browser, live_server, regulator, viewport=DESK)
    page.set_default_timeout(5000)

    # The console's recall tab: the demo's notice, one action still open.
    page.goto(live_server.url + "/recalls/")
    demo_row = page.locator("tr", has_text="YD2508-0100")
    expect(demo_row.locator(".open-count")).to_have_text("1")
    visit(page, "recall-list")

    # A new notice, naming the demo's cable batch as the bulletin does.
    page.get_by_role("button", name="新建召回通报").click()
    visit(page, "recall-new")
    page.get_by_label("生产厂家统一社会信用代码").fill(CABLE_MAKER)
    page.locator("#id_product").fill("聚氯乙烯绝缘电缆")
    page.get_by_label("或逐个列出批号").fill("YD2508-0117")
    page.get_by_label("来源通报").fill("杭州市建设工程质量安全监督总站2025年第12号通报")
    page.get_by_label("缺陷说明").fill("绝缘层厚度不足。")
    page.get_by_role("button", name="发布通报").click()

    # Its hits: the demo project's usages, floor by floor, with the people responsible.
    expect(page.get_by_role("heading", name="召回：聚氯乙烯绝缘电缆")).to_be_visible()
    hits = page.locator("table.recall-hits tbody tr")
    expect(hits).to_have_count(3)
    for floor in ("1层", "2层", "18层"):
        expect(hits.filter(has_text=floor)).to_have_count(1)
    expect(hits.first).to_contain_text("杭州市滨江区某住宅小区3号楼")
    expect(hits.first).to_contain_text("施工单位：")
    expect(page.locator("#open-count")).to_contain_text("0 项处置未关闭")
    visit(page, "recall-page")
    notice = DefectNotice.objects.get(batches__batch_number="YD2508-0117")

    # The CSV for Excel: BOM, Chinese headers, role names in Chinese.
    with page.expect_download() as download:
        page.get_by_role("button", name="下载 CSV（Excel）").click()
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith("\ufeff".encode())
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header[1:3] == ["项目", "区县（行政区划代码）"]
    assert sorted(r[header.index("使用部位")] for r in rows) == ["18层", "1层", "2层"]
    assert all("施工单位：" in r[header.index("现任项目负责人")] for r in rows)

    # The regulator reads; the site supervisor opens the project's action.
    site = phone(browser, live_server, supervisor, viewport=DESK)
    site.set_default_timeout(5000)
    site.goto(live_server.url + f"/recalls/{notice.pk}/")
    site.get_by_text("为工程发起处置").click()
    site.get_by_label("处置措施").select_option("recall")
    site.get_by_label("拟采取的处置").fill("已敷设电缆全部更换，剩余电缆退回厂家。")
    site.get_by_role("button", name="发起处置").click()
    expect(site.get_by_role("heading", name="召回处置：召回")).to_be_visible()
    visit(site, "recall-action-open")

    # Closing without evidence is refused in words; with a file it closes.
    site.get_by_label("处置是如何完成的？").fill("电缆已更换。")
    site.get_by_role("button", name="关闭处置").click()
    expect(site.locator("#id_note_error")).to_contain_text("请上传处置证据")
    visit(site, "recall-action-refused")
    evidence = tmp_path / "更换记录.pdf"
    evidence.write_bytes(pdf("电缆更换记录"))
    site.get_by_label("证据文件（PDF 或照片）").set_input_files(str(evidence))
    site.get_by_role("button", name="上传文件").click()
    expect(site.get_by_role("status")).to_contain_text("证据已上传")
    site.get_by_label("处置是如何完成的？").fill("1层、2层、18层电缆已全部更换，剩余退回厂家。")
    site.get_by_role("button", name="关闭处置").click()
    expect(site.locator("#action-state")).to_contain_text("已关闭")
    expect(site.locator("ol.history")).to_contain_text("关闭：1层、2层、18层电缆已全部更换")
    visit(site, "recall-action-closed")

    # Back at the console: the new notice's action is closed, the demo's still open.
    page.goto(live_server.url + "/recalls/")
    new_row = page.locator("tr", has=page.get_by_role("link", name="聚氯乙烯绝缘电缆")).filter(
        has_not_text="YD2508-0100"
    )
    expect(new_row.locator(".open-count")).to_have_text("0")
    expect(new_row.locator(".closed-count")).to_have_text("1")
    expect(demo_row.locator(".open-count")).to_have_text("1")
    action = RecallAction.objects.get(notice=notice)
    assert not action.is_open
    actions = LedgerEntry.objects.filter(
        record_type=record_type(RecallAction), record_id=str(action.pk)
    ).values_list("action", flat=True)
    assert list(actions) == ["create", "state"]

    # The recall page on a phone, for a look.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + f"/recalls/{notice.pk}/")
    assert re.search("召回", page.title())
    screenshot(page, "recall-page-phone")
