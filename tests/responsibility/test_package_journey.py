"""Issue 15, journey 3, in a real browser at a desk (1280×900, Chinese): a regulator opens
a project's archive package page, sees what the package will hold, exports it (a job: the
page shows it queued, polls its progress and then offers the download), downloads the offline
verifier from the same page and runs it, and the package's own command-line
verifier (scripts/verify_package.py), on the download: both say it is intact. The export
is in the audit log. The page passes axe-core, fits 360 px and breaks no CSP rule.

Set SCREENSHOTS=<dir> to keep a screenshot of the page."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from playwright.sync_api import expect

from jobs.engine import run_queued
from ledger import signing
from projects.models import AuditEvent
from tests.browser import MARKS
from tests.pages import assert_page_ok, phone, screenshot

pytestmark = MARKS

ROOT = Path(__file__).resolve().parents[2]
DESK = {"width": 1280, "height": 900}

# The export job alone: the photos of the fixtures queue preview jobs too.
EXPORT_JOB = ["responsibility.jobs.export_package"]


def run(*command: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *command], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_a_regulator_exports_a_package_and_checks_it_offline(
    site, browser, live_server, project, reggie, tmp_path
):
    page = phone(browser, live_server, reggie, viewport=DESK)
    page.set_default_timeout(10000)
    page.goto(live_server.url + f"/projects/{project.pk}/package/")
    expect(page.get_by_role("heading", name="档案包", exact=True)).to_be_visible()
    expect(page.locator("nav.archive-tabs [aria-current=page]")).to_have_text("档案包")
    key = signing.public_key_bytes().hex()
    expect(page.locator("code.command")).to_contain_text(f"--trusted-key {key}")
    assert_page_ok(page)
    screenshot(page, "package-page")

    # The export is a job: the page shows it queued, polls its status, then the download.
    page.get_by_role("button", name="导出档案包").click()
    status = page.locator("#export-status")
    expect(status).to_contain_text("已排队")
    expect(status.locator("progress")).to_be_visible()
    assert_page_ok(page)
    screenshot(page, "package-export-queued")
    assert run_queued(only=EXPORT_JOB) == 1  # a worker's work, here in the test's process
    download = page.get_by_role("button", name="下载档案包")
    expect(download).to_be_visible(timeout=15000)  # the next poll brings it
    assert_page_ok(page)
    screenshot(page, "package-export-ready")
    with page.expect_download() as exported:
        download.click()
    package = tmp_path / exported.value.suggested_filename
    exported.value.save_as(package)
    assert package.name.startswith(f"archive-project-{project.pk}-")
    with zipfile.ZipFile(package) as bag:
        assert "manifest-sha256.txt" in bag.namelist()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DOWNLOAD_PACKAGE, actor=reggie, project=project
    ).exists()

    with page.expect_download() as verifier:
        page.get_by_role("link", name="下载核验程序（verify_package.py）").click()
    script = tmp_path / verifier.value.suggested_filename
    verifier.value.save_as(script)
    assert script.name == "verify_package.py"

    # Offline: the verifier from the page, alone in a folder, and the repository's script.
    for checker in (script, ROOT / "scripts" / "verify_package.py"):
        result = run(str(checker), str(package), "--trusted-key", key, cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "The package is intact" in result.stdout
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT_PACKAGE,
        actor=reggie,
        project=project,
        outcome=AuditEvent.Outcome.COMPLETED,
    ).exists()

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert_page_ok(page)
    screenshot(page, "package-page-phone")
