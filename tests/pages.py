"""What every page test needs: a signed-in phone, axe-core, the 360 px check, CSP watching.

    page = phone(browser, live_server, alice)           # signed in, zh-CN, 390×844
    page.goto(live_server.url + "/projects/")
    assert_page_ok(page)                                # axe: no serious/critical; fits 360 px

Signing in copies a session made by Django's test client into the browser, so journeys do
not each pay for the sign-in page (which has its own tests in tests/projects/test_pages.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.test import Client

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
PHONE = {"width": 390, "height": 844}
NARROWEST = 360
LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}


def phone(browser, live_server, user=None, *, language: str = "zh-hans", viewport=PHONE):
    """A new browser page on a phone-sized screen, signed in as ``user`` (or not)."""
    context = browser.new_context(locale=LOCALES[language], viewport=viewport)
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies.append(
            {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}
        )
    context.add_cookies(cookies)
    page = context.new_page()
    page.csp_violations = []
    page.on(
        "console",
        lambda m: page.csp_violations.append(m.text) if "Content Security Policy" in m.text else 0,
    )
    return page


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """axe-core's violations of the page as it is now, one line each. axe is injected through
    the DevTools protocol, which the page's Content-Security-Policy does not govern."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE + "\n;0")
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in impacts
    ]


def overflow(page, width: int = NARROWEST) -> int:
    """How many pixels the page is wider than a ``width`` px screen (0 when it fits)."""
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": before["height"]})
    try:
        return page.evaluate("() => document.documentElement.scrollWidth") - width
    finally:
        page.set_viewport_size(before)


def assert_page_ok(page):
    """The checks every page passes: no serious or critical axe-core violation, no
    horizontal scrolling on a 360 px phone, nothing blocked by the Content-Security-Policy."""
    problems = axe_violations(page)
    assert not problems, f"{page.url}: " + "\n".join(problems)
    extra = overflow(page)
    assert extra <= 0, f"{page.url} is {extra}px wider than a {NARROWEST}px screen"
    assert not page.csp_violations, f"{page.url}: {page.csp_violations}"


def screenshot(page, name: str) -> None:
    """A full-page PNG of the page for a person to look at, in $SCREENSHOTS (when set): the
    tests never write into the repository. The README's come from scripts/screenshots.py."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
