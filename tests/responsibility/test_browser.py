"""A real browser (Debian's chromium, driven by Playwright) signs a pledge on a phone,
signing in through the archive's own form first."""

from projects.models import Role
from responsibility.models import ResponsibilityDocument
from tests.browser import MARKS
from tests.conftest import PASSWORD
from tests.pages import assert_page_ok, phone
from tests.responsibility.conftest import client_for, prepare

pytestmark = MARKS


def test_a_lead_signs_on_a_phone_sees_the_pdf_and_cannot_sign_twice(
    live_server, browser, project, signers
):
    lead = signers[Role.CONTRACTOR]["lead"]
    document = prepare(client_for(lead), project, "contractor", "pledge").json()
    page = phone(browser, live_server)
    context = page.context
    sign_url = f"{live_server.url}/sign/{document['id']}/"

    page.goto(sign_url)
    assert_page_ok(page)
    page.fill("#id_username", lead.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(sign_url)
    assert "李国强" in page.inner_text("#document-text")
    assert_page_ok(page)
    stale = context.new_page()
    stale.goto(sign_url)

    page.fill("#password", PASSWORD)
    page.check("#consent")
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + 150, box["y"] + 90, steps=8)
    page.mouse.move(box["x"] + 260, box["y"] + 30, steps=8)
    page.mouse.up()
    page.click("#sign")

    page.wait_for_selector("#signed")
    assert_page_ok(page)
    signed = ResponsibilityDocument.objects.get(pk=document["id"])
    assert signed.status == "signed"
    assert signed.evidence.signature_image is not None
    assert "Chrome" in signed.evidence.user_agent
    pdf = page.request.get(live_server.url + page.get_attribute("#pdf-link", "href"))
    assert pdf.ok
    assert pdf.body().startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"

    # A second attempt, from a second tab that opened the form before the signature.
    stale.fill("#password", PASSWORD)
    stale.check("#consent")
    stale.click("#sign")
    assert "已签署" in stale.inner_text("#error")
    assert ResponsibilityDocument.objects.filter(lead_tenure=signed.lead_tenure).count() == 1
    assert ResponsibilityDocument.objects.get(pk=document["id"]).signed_at == signed.signed_at
    assert page.csp_violations == []
    context.close()
