"""Issue 14, journey 2, on a phone: after a change of lead, the new lead finds the pledge
due with its deadline counting; a change whose deadline has passed shows overdue, to its
new lead and on the regulator's oversight page; the lead signs, sees the PDF's hash and how
to verify it, and verifies the downloaded PDF on the verification page.

The clock is not mocked: the changes are recorded with earlier effective dates, as an owner
records a change made days ago, so their deadlines fall where the journey needs them.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from ledger.models import LedgerEntry
from projects.models import Role
from responsibility.deadlines import add_working_days
from responsibility.models import ResponsibilityDocument
from storage.selectors import object_read_bytes
from tests.browser import MARKS
from tests.conftest import PASSWORD
from tests.pages import assert_page_ok, phone, screenshot
from tests.responsibility.signer_data import NEW_LEAD, lead_change

pytestmark = MARKS


def working_days_before(day: datetime.date, count: int) -> datetime.date:
    while count:
        day -= datetime.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def shoot(page, name: str) -> None:
    screenshot(page, f"signer-{name}")


def test_a_new_lead_signs_within_the_deadline_and_verifies_the_pdf(
    live_server, browser, project, admin, signers, reggie
):
    today = timezone.localdate()
    # The contractor's lead changed two working days ago: three of five are left.
    started = working_days_before(today, 2)
    change = lead_change(project, admin, started)
    # The design lead changed a month ago, and nothing has been signed since.
    late = lead_change(
        project,
        admin,
        today - datetime.timedelta(days=30),
        role=Role.DESIGN,
        name="郑晓梅",
        username="newdesign",
        id17="33010519870523144",
    )
    pledge = change["pledge"]

    # The new lead signs in to my work: the pledge, its due date, three days left.
    page = phone(browser, live_server, change["user"])
    page.goto(f"{live_server.url}/")
    card = page.locator(f"#to-sign-{pledge.pk}")
    expect(card).to_contain_text(pledge.number)
    expect(card.locator("time")).to_have_text(f"{add_working_days(started, 5):%Y-%m-%d}")
    expect(card.locator(".badge")).to_have_text("还剩 3 个工作日")
    expect(page.locator(f"#to-sign-{change['letter'].pk}")).to_have_count(0)  # the rep's
    assert_page_ok(page)
    shoot(page, "my-work-to-sign")

    # Past the deadline: the design lead's documents are overdue, for them and the regulator.
    late_page = phone(browser, live_server, late["user"])
    late_page.goto(f"{live_server.url}/")
    expect(late_page.locator(f"#to-sign-{late['pledge'].pk} .badge")).to_have_text("已逾期")
    assert_page_ok(late_page)
    shoot(late_page, "my-documents-overdue")
    regulator = phone(browser, live_server, reggie)
    regulator.goto(f"{live_server.url}/oversight/")
    overdue = regulator.locator("#overdue_lead_changes")
    expect(overdue).to_contain_text("郑晓梅")
    expect(overdue).not_to_contain_text(NEW_LEAD)  # still within its deadline
    assert_page_ok(regulator)
    shoot(regulator, "oversight-overdue")

    # The lead signs on the signing page, reached from the card.
    card.get_by_role("button", name="阅读并签署").click()
    page.wait_for_url(f"{live_server.url}/sign/{pledge.pk}/")
    assert_page_ok(page)
    page.fill("#password", PASSWORD)
    page.check("#consent")
    page.click("#sign")
    expect(page.locator("#signed")).to_be_visible()
    signed = ResponsibilityDocument.objects.select_related("pdf").get(pk=pledge.pk)
    assert signed.status == "signed"
    expect(page.locator("#pdf-sha256")).to_have_text(signed.pdf.sha256)
    expect(page.locator("#how-to-verify")).to_contain_text("verify_signed_pdf")
    assert_page_ok(page)
    shoot(page, "sign-signed")

    # The archive holds it: the signing in the ledger, the PDF in the object store.
    assert LedgerEntry.objects.filter(
        record_type="responsibility.responsibilitydocument",
        record_id=str(pledge.pk),
        action=LedgerEntry.Action.SIGN,
    ).exists()
    download = page.request.get(live_server.url + page.get_attribute("#pdf-link", "href"))
    assert download.ok
    pdf = download.body()
    assert pdf == object_read_bytes(obj=signed.pdf)

    # "How to verify this": the verification page, with the downloaded file.
    page.click("#verify-link")
    page.wait_for_url(f"{live_server.url}/verify/")
    assert_page_ok(page)
    # A photo of the PDF instead of the PDF: refused at the field, with the reason.
    page.set_input_files(
        "#id_file", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"\x89PNG"}]
    )
    page.click("#verify")
    expect(page.locator(".errorlist")).to_contain_text("此文件不是 PDF")
    expect(page.locator("#verdict")).to_have_count(0)
    assert_page_ok(page)
    shoot(page, "verify-refused")
    page.set_input_files(
        "#id_file",
        files=[{"name": f"{pledge.number}.pdf", "mimeType": "application/pdf", "buffer": pdf}],
    )
    page.click("#verify")
    verdict = page.locator("#verdict")
    expect(verdict.locator("h2")).to_have_text("核验通过：这是档案系统签署的 PDF，未经改动。")
    expect(page.locator("#verified-document")).to_contain_text(pledge.number)
    expect(page.locator("#verified-signer")).to_have_text(NEW_LEAD)
    expect(page.locator("#file-sha256")).to_have_text(signed.pdf.sha256)
    assert_page_ok(page)
    shoot(page, "verify-pdf")

    # Back on "my letters and pledges": nothing left to sign, the pledge among the signed.
    page.goto(f"{live_server.url}/documents/")
    expect(page.locator(f"#to-sign-{pledge.pk}")).to_have_count(0)
    expect(page.locator(f"#signed-{pledge.pk}")).to_contain_text("有效")
    expect(page.locator(f"#signed-{pledge.pk}")).to_contain_text(signed.pdf.sha256)
    assert_page_ok(page)
    shoot(page, "my-documents-signed")
