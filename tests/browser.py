"""A real browser for the page tests: Debian's chromium, driven by Playwright.

A test module sets ``pytestmark = MARKS`` (``from tests.browser import MARKS``) and takes
the ``browser`` fixture, which tests/conftest.py provides from ``chromium()`` here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MARKS = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="make test installs chromium"),
    pytest.mark.django_db(transaction=True),
]


def chromium():
    """Launch chromium for one test; close it, and the test's database connection, after."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test itself are synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            yield browser
            browser.close()
            # The test ran in Playwright's greenlet, whose context has its own database
            # connection: left open, it keeps the test database from being dropped.
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def previews_made(page) -> None:
    """Run the photo preview jobs (the job worker's work in production: a photo shows
    "preview coming" until then) and open the page again, which now shows the thumbnails."""
    from jobs.engine import run_queued

    run_queued(only=["storage.photos.photo_previews_make"])
    page.reload()
