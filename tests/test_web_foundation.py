"""The web foundation as a user meets it: the archive's own sign-in, the layout with name,
role, language and sign-out, our error pages in the user's language, on a phone."""

from playwright.sync_api import expect

from tests.browser import MARKS
from tests.conftest import PASSWORD
from tests.pages import assert_page_ok, phone

pytestmark = MARKS


def test_a_supervisor_signs_in_in_chinese_lands_on_my_work_and_signs_out(
    live_server, browser, alice
):
    page = phone(browser, live_server)
    page.goto(f"{live_server.url}/projects/")
    expect(page.locator("h1")).to_have_text("登录")
    assert_page_ok(page)
    page.fill("#id_username", alice.username)
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    expect(page.locator(".errorlist")).to_contain_text("用户名")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/projects/")
    expect(page.locator(".site-header .who .name")).to_be_visible()
    expect(page.locator(".site-header .role")).to_contain_text("现场")
    assert_page_ok(page)
    page.click(".sign-out button")
    expect(page.locator("h1")).to_have_text("登录")


def test_a_supervisor_on_the_oversight_list_is_told_why_in_their_language(
    live_server, browser, alice
):
    page = phone(browser, live_server, alice)
    response = page.goto(f"{live_server.url}/oversight/")
    assert response.status == 403
    expect(page.locator("[role=alert]")).to_contain_text("监管")
    assert_page_ok(page)

    page = phone(browser, live_server, alice, language="en")
    response = page.goto(f"{live_server.url}/oversight/")
    assert response.status == 403
    expect(page.locator("[role=alert]")).to_have_text(
        "The oversight lists are for regulators and archive operators."
    )


def test_an_unknown_or_hidden_address_gets_our_404_page(live_server, browser, charlie, project):
    page = phone(browser, live_server, charlie)
    response = page.goto(f"{live_server.url}/projects/{project.pk}/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("未找到")
    assert_page_ok(page)
