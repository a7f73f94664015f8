"""One Content-Security-Policy on every page: only the archive's own scripts and styles, no
inline code in any template, and the pages still work in a real browser under it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import MARKS
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent

PAGES = [
    "/",
    "/api/docs/",
    "/api/docs/?script=",
    "/api/schema/",
    "/api-auth/login/",
    "/admin/login/",
    "/oversight/",
    "/api/v1/projects/",
    "/p/no-such-plaque/",
    "/capture/queue/",
    "/sw.js",  # the service worker runs under the same policy as the pages
    "/manifest.webmanifest",
]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_with_the_one_policy(client, reggie, path):
    client.force_login(reggie)
    response = client.get(path)

    assert response.status_code in (200, 404), response.status_code
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]


def test_images_may_come_from_the_object_store_that_thumbnails_redirect_to(client):
    img_src = policy(client.get("/api-auth/login/"))["img-src"]

    assert img_src == ["'self'", "data:", f"http://{settings.S3_ENDPOINT}"]


def test_a_public_object_store_name_is_the_one_allowed():
    """The origin browsers reach S3 under: S3_PUBLIC_ENDPOINT when set, else S3_ENDPOINT."""
    from config.settings import _browser_origin

    assert _browser_origin("files.example.gov.cn", True) == "https://files.example.gov.cn"
    assert _browser_origin("http://10.0.0.5:9000", True) == "http://10.0.0.5:9000"
    assert _browser_origin("127.0.0.1:8333", False) == "http://127.0.0.1:8333"


INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def project_templates() -> list[Path]:
    found = list((ROOT / "templates").rglob("*.html"))
    found += [path for path in ROOT.glob("*/templates/**/*.html") if ".venv" not in path.parts]
    return sorted(found)


def test_no_template_of_the_archive_has_inline_script_or_style():
    templates = project_templates()
    assert len(templates) >= 8  # base, home, the overrides and the app pages
    offences = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in templates
        for pattern, what in INLINE
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offences == []


@pytest.fixture
def violations():
    """The Content-Security-Policy violations a page reports, as the browser saw them."""
    found: list[str] = []

    def watch(page):
        page.on(
            "console",
            lambda message: (
                found.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        return page

    watch.found = found
    return watch


@MARKS[0]
@MARKS[1]
@MARKS[2]
def test_sign_in_home_and_the_api_docs_work_under_the_policy(
    live_server, browser, reggie, violations
):
    page = violations(browser.new_page())
    page.goto(f"{live_server.url}/api-auth/login/?next=/api/docs/")
    assert page.eval_on_selector(".login-box", "e => getComputedStyle(e).width") == "320px"
    page.fill("#id_username", reggie.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/api/docs/")
    # Swagger UI drew the operations from the schema: its start-up script ran.
    page.wait_for_selector(".opblock", timeout=30000)

    page.goto(f"{live_server.url}/")
    assert page.eval_on_selector("header .bar", "e => getComputedStyle(e).display") == "flex"
    # Choosing a language submits the form: the base layout's script ran.
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.inner_text("h1") == "My work"

    page.goto(f"{live_server.url}/admin/login/")
    assert violations.found == []
