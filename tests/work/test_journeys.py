"""On a phone, in Chinese: a site supervisor signs in through the real form, finds a failed
test on "my work", goes to the project and opens a defect case with its photos; outsiders
meet our 404 page; a read-only member finds nothing to change and her letter to sign; the
regulator's oversight list and the public plaque page pass the same checks."""

from __future__ import annotations

from django.db import transaction
from playwright.sync_api import expect

from ledger.services import ledger_append
from projects.models import Project
from responsibility.plaques import plaque_freeze
from tests.browser import MARKS
from tests.conftest import PASSWORD
from tests.pages import assert_page_ok, phone, screenshot

pytestmark = MARKS


def look(page, name: str) -> None:
    """Every page a journey visits passes axe-core, fits 360 px and breaks no CSP rule;
    a phone screenshot of it is kept for a person to look at."""
    assert_page_ok(page)
    screenshot(page, f"work-{name}")


def test_a_supervisor_signs_in_finds_the_failed_test_and_opens_a_defect_case(
    live_server, browser, desk
):
    project, case = desk["project"], desk["case"]
    page = phone(browser, live_server)
    page.goto(live_server.url + "/")
    expect(page.locator("#home-sign-in")).to_be_visible()
    look(page, "home-visitor")
    page.click("#home-sign-in")
    page.fill("#id_username", desk["alice"].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    expect(page.locator("h1")).to_have_text("我的工作")
    blocked = page.locator("#blocked_deliveries li")
    expect(blocked).to_have_count(1)
    expect(blocked).to_contain_text("聚氯乙烯绝缘电缆 批号 B2503-017，400 米")
    expect(page.locator("#sign_offs")).to_contain_text("6层柱钢筋安装检验批（复验）")
    expect(page.locator("#flagged_photos")).to_contain_text(
        "6层柱钢筋安装检验批（复验）的照片：拍摄地点距项目现场过远"
    )
    look(page, "my-work")

    page.click("nav.primary a[href='/projects/']")
    expect(page.locator(".project-card")).to_contain_text("1 个进场批次因检测不合格受阻")
    look(page, "projects")
    page.click(f"a[href='/projects/{project.pk}/']")
    expect(page.locator("h1")).to_have_text(project.name)
    expect(page.locator("#blocked_deliveries")).to_contain_text("400 米")
    page.click("details summary")
    expect(page.locator(".unit-work > details > .tree")).to_contain_text("5层A轴柱")
    look(page, "project")

    page.click(f"a[href='/projects/{project.pk}/defects/']")
    expect(page.locator("h1")).to_have_text("质量缺陷案件")
    look(page, "defect-cases")
    page.click(f"a[href='/projects/{project.pk}/defects/{case.pk}/']")
    expect(page.locator("h1")).to_contain_text(case.number)
    thumbnail = page.locator("#photos img")
    expect(thumbnail).to_have_count(1)
    expect(thumbnail).to_have_attribute("alt", "裂缝")
    # The thumbnail came from storage through the access check, and shows.
    page.wait_for_load_state("load")
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
    look(page, "defect-case")
    expect(page.locator(".breadcrumbs")).to_contain_text(project.name)


def test_outsiders_get_our_404_a_reader_finds_nothing_to_change_and_her_letter(
    live_server, browser, desk, charlie, dan, reggie, admin
):
    project, case = desk["project"], desk["case"]
    urls = [
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/defects/",
        f"/projects/{project.pk}/defects/{case.pk}/",
    ]
    for outsider in (charlie, dan):
        page = phone(browser, live_server, outsider)
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response.status == 404
            expect(page.locator("h1")).to_have_text("未找到")
            expect(page.locator("main")).not_to_contain_text(project.name)
        look(page, "not-found")
        page.context.close()

    page = phone(browser, live_server, desk["olga"])
    for url in urls:
        page.goto(live_server.url + url)
        expect(page.locator("main form")).to_have_count(0)
        expect(page.locator("main button")).to_have_count(0)
        assert_page_ok(page)
    page.goto(live_server.url + "/")
    letter = page.locator(f"#to-sign-{desk['letter'].pk}")
    expect(letter).to_contain_text(desk["letter"].number)
    look(page, "my-work-reader")
    letter.locator("a[role=button]").click()
    expect(page.locator("#password")).to_be_visible()
    look(page, "sign")
    page.context.close()

    page = phone(browser, live_server, reggie)
    page.goto(live_server.url + "/")
    page.click("a[href='/oversight/']")
    link = page.locator(f"#overdue_lead_changes a.item[href='/projects/{project.pk}/leads/']")
    expect(link.first).to_be_visible()
    look(page, "oversight")
    link.first.click()
    page.wait_for_url(f"{live_server.url}/projects/{project.pk}/leads/")
    expect(page.locator("h1")).to_be_visible()
    page.context.close()

    plaque = completed_plaque(project, desk["unit_work"], admin)
    page = phone(browser, live_server)
    page.goto(f"{live_server.url}/p/{plaque.token}/")
    expect(page.locator("h1")).to_be_visible()
    look(page, "plaque")


def completed_plaque(project, unit_work, admin):
    """The unit work's plaque, frozen as if completion were accepted (the gates on the way
    are not what this journey is about)."""
    with transaction.atomic():
        project.stage = Project.Stage.COMPLETION_ACCEPTED
        project.save(update_fields=["stage"])
        ledger_append(record=project, action="state", actor=admin)
    return plaque_freeze(unit_work=unit_work, actor=admin)
