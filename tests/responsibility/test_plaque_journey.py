"""Journey 3 of issue 14 on a phone: the five leads' sign-offs on the completion acceptance,
the plaque frozen from its page, the print PDF downloaded with the QR code of the public
page, the installation recorded with a photo, the public page, and an unknown code."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from inspections import services as inspections
from inspections.services import LEAD_ROLES, required_capacities
from ledger.models import LedgerEntry
from projects import services as project_services
from responsibility import plaques
from responsibility.models import Plaque, PlaqueInstallation
from storage.selectors import object_read_bytes
from tests.browser import MARKS, previews_made
from tests.conftest import PASSWORD
from tests.inspections import photos
from tests.pages import assert_page_ok, phone, screenshot
from tests.responsibility.plaque_data import (
    completion_build,
    gates_open,
    qr_cells_for,
    qr_cells_in_pdf,
    unit_work_build,
)

pytestmark = MARKS


def shot(page, name):
    screenshot(page, name)


def test_completion_freezes_prints_installs_and_publishes_the_plaque(
    live_server, browser, project, signers, admin, alice, monkeypatch, settings, tmp_path
):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.PLAQUE_INSTALL_RULES = {}
    # The letters and pledges and their gate are journey 1's; the plaque's automatic
    # freeze is switched off so that the supervisor freezes it from the page.
    gates_open(monkeypatch)
    monkeypatch.setattr(project_services, "STAGE_ENTERED", {})
    unit_work = unit_work_build(project, admin)
    record = completion_build(project, signers, admin, [unit_work], signed=4, letters=False)
    plaque_url = f"{live_server.url}/projects/{project.pk}/unit-works/{unit_work.pk}/plaque/"

    # Before completion: the preview, and who has signed the completion acceptance.
    page = phone(browser, live_server, alice)
    page.goto(plaque_url)
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("#content-card")).to_contain_text("李国强")
    sign_offs = page.locator("#sign-offs li")
    expect(sign_offs).to_have_count(5)
    expect(sign_offs.filter(has_text="待签字")).to_have_count(1)
    assert_page_ok(page)
    shot(page, "plaque-preview")

    # The fifth lead signs (on the record's page, once it exists); the supervisor accepts.
    last = required_capacities(record)[4]
    inspections.record_sign(
        record=record, user=signers[LEAD_ROLES[last]]["lead"], password=PASSWORD, capacity=last
    )
    inspections.record_accept(record=record, actor=admin)
    page.reload()
    expect(sign_offs.filter(has_text="已于")).to_have_count(5)

    # Freeze from the page.
    page.click("#freeze")
    expect(page.locator("#frozen")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("标牌内容已固化")
    plaque = Plaque.objects.get(unit_work=unit_work)
    assert LedgerEntry.objects.filter(
        record_type="responsibility.plaque", record_id=str(plaque.pk)
    ).exists()
    expect(page.locator("#to-install")).to_be_visible()
    assert_page_ok(page)

    # The print PDF: its QR code is the public page's address.
    with page.expect_download() as download:
        page.click("#pdf-link")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert qr_cells_in_pdf(pdf) == qr_cells_for(f"{live_server.url}/p/{plaque.token}/")

    # The installation, with a photo chosen from the gallery; a date in the future first.
    today = timezone.localdate()
    page.fill("#id_installed_on", (today + datetime.timedelta(days=1)).isoformat())
    page.fill("#id_position", "3号楼主入口东侧外墙，距地1.5米")
    page.fill("#id_material", "304不锈钢")
    page.fill("#id_installed_by", "浙江宏业建设集团有限公司 王师傅")
    taken = photos.jpeg(size=(1200, 900), taken=today.strftime("%Y:%m:%d 10:00:00"))
    page.set_input_files(
        "#id_photos", files=[{"name": "plaque.jpg", "mimeType": "image/jpeg", "buffer": taken}]
    )
    page.click("#install")
    expect(page.locator("#id_installed_on_error")).to_contain_text("不能晚于今天")
    assert not PlaqueInstallation.objects.exists()
    assert_page_ok(page)
    shot(page, "plaque-refused")
    page.fill("#id_installed_on", today.isoformat())
    page.set_input_files(
        "#id_photos", files=[{"name": "plaque.jpg", "mimeType": "image/jpeg", "buffer": taken}]
    )
    page.click("#install")
    expect(page.locator(".messages")).to_contain_text("安装情况已记录")
    expect(page.locator("#on-time")).to_be_visible()
    previews_made(page)  # the job worker makes the previews
    expect(page.locator(".installation img")).to_have_count(1)
    assert_page_ok(page)
    shot(page, "plaque")
    installation = PlaqueInstallation.objects.get(plaque=plaque)
    assert installation.material == "304不锈钢"
    assert object_read_bytes(obj=installation.photos.get().stored_object) == taken

    # The public page, as a passer-by who scanned the code sees it.
    visitor = phone(browser, live_server)
    visitor.goto(plaques.plaque_public_url(plaque))
    expect(visitor.locator("h1")).to_contain_text("3号楼")
    expect(visitor.locator("table")).to_contain_text("李国强")
    # It says what it checked: the named leads' and organizations' own records too.
    expect(visitor.locator("#what-is-checked")).to_contain_text("项目负责人（标牌上显示其姓名）：5")
    expect(visitor.locator("#what-is-checked")).to_contain_text("参建单位（标牌上显示其名称）：5")
    assert_page_ok(visitor)
    shot(visitor, "plaque-public")

    # A code the archive does not know: our 404, in Chinese, saying whom to tell.
    response = visitor.goto(f"{live_server.url}/p/ABCDEF0123456789/")
    assert response.status == 404
    expect(visitor.locator("[role=alert]")).to_have_text("档案中没有这个标牌码。")
    expect(visitor.locator("main")).to_contain_text("质量监督机构")
    assert_page_ok(visitor)
    shot(visitor, "plaque-unknown")
