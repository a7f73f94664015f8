"""Archive packages exported by a background job (the console's button, the API's export
jobs): one job per project at a time, progress while it runs, the zip in the derived bucket
for its lifetime, downloads audited, the audit log's outcome true through retries, and an
object store that stops mid-export costing a retry, never a wrong package or a false alarm."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs.engine import run_queued
from ledger import signing
from projects.models import AuditEvent
from responsibility.models import PackageExport
from storage import gateway
from storage.errors import ObjectNotFound
from storage.models import FixityFinding
from tests.materials.test_pages import client_as

ROOT = Path(__file__).resolve().parents[2]

# The export job alone: the photos of the fixtures queue preview jobs too.
EXPORT_JOB = ["responsibility.jobs.export_package"]


def api(project) -> str:
    return f"/api/v1/projects/{project.pk}/archive-package/exports/"


def start(client, project) -> dict:
    response = client.post(api(project))
    assert response.status_code == 202, response.content
    assert response["Location"].endswith(f"{api(project)}{response.json()['id']}/")
    return response.json()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - the test's S3
        return response.read()


def verify(path: Path) -> subprocess.CompletedProcess:
    key = signing.public_key_bytes().hex()
    return subprocess.run(
        [sys.executable, "scripts/verify_package.py", str(path), "--trusted-key", key],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def events(project, action=AuditEvent.Action.EXPORT_PACKAGE):
    return list(
        AuditEvent.objects.filter(project=project, action=action)
        .order_by("pk")
        .values_list("actor__username", "outcome")
    )


def test_an_export_job_runs_once_per_project_shows_progress_and_is_downloaded(
    site, project, reggie, alice, tmp_path
):
    client = client_as(reggie)
    job = start(client, project)
    assert job["state"] == "queued"
    assert job["download_url"] is None
    # A second request (by anyone) while it is queued gets the same job, nothing new.
    assert start(client_as(alice), project)["id"] == job["id"]
    assert PackageExport.objects.count() == 1
    assert events(project) == [("reggie", "started")]
    refused = client.get(f"{api(project)}{job['id']}/download/")
    assert refused.status_code == 409
    assert "still being made" in refused.json()["detail"]

    assert run_queued(only=EXPORT_JOB) == 1

    export = PackageExport.objects.get()
    status = client.get(f"{api(project)}{job['id']}/").json()
    assert status["state"] == "completed"
    assert status["size"] == export.size > 0
    assert status["expires_at"] is not None
    assert events(project) == [("reggie", "completed")]
    total = DBTaskResult.objects.filter(task_path__in=EXPORT_JOB).get().return_value
    assert total["sha256"] == export.sha256
    assert export.key.startswith(f"exports/project-{project.pk}/")

    # Alice, a member, may download it as well: each download is audited with its reader.
    for user in (reggie, alice):
        response = client_as(user).get(status["download_url"])
        assert response.status_code == 302
        assert response["Cache-Control"] == "no-store"
        package = tmp_path / f"{user.username}.zip"
        package.write_bytes(fetch(response["Location"]))
    result = verify(package)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The package is intact" in result.stdout
    assert events(project, AuditEvent.Action.DOWNLOAD_PACKAGE) == [
        ("reggie", None),
        ("alice", None),
    ]
    # Once it is done, a new request starts a new export.
    assert start(client, project)["id"] != job["id"]


def test_another_projects_export_and_an_outsider_are_not_found(
    site, project, other_project, reggie, charlie
):
    job = start(client_as(reggie), project)
    run_queued(only=EXPORT_JOB)
    # Charlie works on another project: neither this project's export nor its id under
    # his own project's URL.
    outsider = client_as(charlie)
    assert outsider.get(f"{api(project)}{job['id']}/").status_code == 404
    assert outsider.get(f"{api(project)}{job['id']}/download/").status_code == 404
    assert outsider.post(api(project)).status_code == 404
    under_other = outsider.get(f"{api(other_project)}{job['id']}/download/")
    assert under_other.status_code == 404
    assert "no export with that id" in under_other.json()["detail"]
    page = outsider.get(f"/projects/{other_project.pk}/package/exports/{job['id']}/download/")
    assert page.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD_PACKAGE).exists()


def test_an_expired_export_is_removed_by_its_job_and_says_so(site, project, reggie):
    from responsibility.jobs import remove_expired_exports

    job = start(client_as(reggie), project)
    run_queued(only=EXPORT_JOB)
    export = PackageExport.objects.get()
    assert gateway.stat(settings.S3_DERIVED_BUCKET, export.key).size == export.size

    PackageExport.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    client = client_as(reggie)
    # Past its time it is refused at once, even before the job removed it.
    gone = client.get(f"{api(project)}{job['id']}/download/")
    assert gone.status_code == 410
    assert "expired" in gone.json()["detail"]

    remove_expired_exports.enqueue()
    run_queued(only=["responsibility.jobs.remove_expired_exports"])

    export.refresh_from_db()
    assert export.state == PackageExport.State.EXPIRED
    with pytest.raises(ObjectNotFound):
        gateway.stat(settings.S3_DERIVED_BUCKET, export.key)
    page = client.get(f"/projects/{project.pk}/package/exports/{job['id']}/download/")
    assert page.status_code == 410
    assert "expired" in page.content.decode()
    assert "expired" in client.get(f"/projects/{project.pk}/package/").content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DOWNLOAD_PACKAGE).exists()


def test_the_page_starts_an_export_and_polls_its_status(site, project, reggie):
    client = client_as(reggie)
    page = f"/projects/{project.pk}/package/"
    assert "No export yet" in client.get(page).content.decode()

    started = client.post(page + "exports/", HTTP_HX_REQUEST="true")
    assert started.status_code == 200
    export = PackageExport.objects.get()
    html = started.content.decode()
    assert f'hx-get="{page}exports/{export.pk}/"' in html  # polls while it runs
    assert 'hx-trigger="every 2s"' in html
    # Without htmx the form posts and the page comes back with the same running export.
    assert client.post(page + "exports/").status_code == 302
    assert PackageExport.objects.count() == 1

    run_queued(only=EXPORT_JOB)
    html = client.get(f"{page}exports/{export.pk}/").content.decode()
    assert "hx-trigger" not in html  # done: no more polling
    assert f'href="{page}exports/{export.pk}/download/"' in html
    assert client.get(page).status_code == 200
    assert client.get(page + "exports/").status_code == 405


@pytest.mark.slow
def test_the_store_stopping_during_an_export_costs_a_retry_not_a_wrong_package(
    site, project, reggie, s3_server, tmp_path, caplog
):
    job = start(client_as(reggie), project)
    s3_server.stop()
    try:
        assert run_queued(only=EXPORT_JOB) == 1  # the job starts, reaches the files, and fails
    finally:
        s3_server.start()
    first = DBTaskResult.objects.filter(task_path__in=EXPORT_JOB).order_by("enqueued_at").first()
    assert first.status == TaskResultStatus.FAILED
    assert "retrying in 30 s" in caplog.text
    export = PackageExport.objects.get()
    assert export.state == PackageExport.State.QUEUED
    assert "object store was unreachable" in export.error
    assert events(project) == [("reggie", "started")]  # not failed: a retry is coming
    status = client_as(reggie).get(f"{api(project)}{job['id']}/").json()
    assert status["state"] == "queued"

    DBTaskResult.objects.filter(task_path__in=EXPORT_JOB).filter(
        status=TaskResultStatus.READY
    ).update(run_after=timezone.now())
    assert run_queued(only=EXPORT_JOB) == 1

    export.refresh_from_db()
    assert export.state == PackageExport.State.COMPLETED
    assert export.error == ""
    assert events(project) == [("reggie", "completed")]
    response = client_as(reggie).get(f"{api(project)}{job['id']}/download/")
    package = tmp_path / "package.zip"
    package.write_bytes(fetch(response["Location"]))
    assert verify(package).returncode == 0
    assert not FixityFinding.objects.exists()


@pytest.mark.slow
def test_an_export_whose_retries_run_out_is_failed_in_the_audit_log(
    site, project, reggie, s3_server
):
    start(client_as(reggie), project)
    s3_server.stop()
    try:
        ran = 0
        while ran < 6:
            DBTaskResult.objects.filter(task_path__in=EXPORT_JOB).filter(
                status=TaskResultStatus.READY
            ).update(run_after=timezone.now())
            if run_queued(only=EXPORT_JOB) == 0:
                break
            ran += 1
    finally:
        s3_server.start()
    assert ran == 6  # the first attempt and five retries
    export = PackageExport.objects.get()
    assert export.state == PackageExport.State.FAILED
    assert events(project) == [("reggie", "failed")]
    detail = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT_PACKAGE).outcome_detail
    assert "object store was unreachable" in detail
    refused = client_as(reggie).get(f"{api(project)}{export.pk}/download/")
    assert refused.status_code == 409
    assert "failed" in refused.json()["detail"]
