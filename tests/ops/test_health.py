"""/healthz and /readyz as the proxy and the orchestrator see them: no sign-in, any Host,
plain HTTP; /readyz 503 naming what failed when the real S3 server is stopped, a migration
is not applied, a key does not load, or this server's clock is off the database's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_without_the_database_on_any_host(client):
    # No ``db`` fixture: pytest-django would raise had /healthz touched the database.
    response = client.get("/healthz", HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["archive.example.gov.cn"])
def test_probes_over_plain_http_are_neither_redirected_nor_refused_as_a_bad_host(db):
    client = Client()
    assert client.get("/healthz", HTTP_HOST="10.0.3.7").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.3.7").status_code == 200
    # Everything else is still redirected to HTTPS or refused for its Host.
    assert client.get("/", HTTP_HOST="archive.example.gov.cn").status_code == 301
    assert client.get("/", HTTP_HOST="10.0.3.7").status_code == 400


def test_readyz_passes_every_check_with_the_clock_offset(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "object_store", "keys"}
    assert all(check["ok"] for check in body["checks"].values())
    assert abs(body["checks"]["database"]["clock_offset_seconds"]) < 2


@pytest.mark.slow
def test_readyz_fails_naming_the_object_store_while_it_is_down(client, db, s3_server):
    s3_server.stop()
    try:
        response = client.get("/readyz")
    finally:
        s3_server.start()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["object_store"] == {
        "ok": False,
        "error": "the object store cannot be reached",
        "ms": body["checks"]["object_store"]["ms"],
    }
    assert body["checks"]["database"]["ok"]
    assert client.get("/readyz").status_code == 200  # back once the store is


def test_readyz_names_a_migration_that_is_not_applied(client, db):
    latest = MigrationRecorder.Migration.objects.filter(app="ledger").order_by("-name").first()
    latest.delete()  # in the test's transaction: rolled back after it
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"]["error"] == (
        f"1 migration(s) not applied: ledger.{latest.name}"
    )


def test_readyz_names_a_key_that_does_not_load_and_shows_no_secret(client, db, settings):
    settings.LEDGER_SIGNING_KEY = "-----BEGIN PRIVATE KEY-----\nnot a key\n"
    settings.PII_ENCRYPTION_KEYS = "not-a-fernet-key-but-a-secret"
    response = client.get("/readyz")
    assert response.status_code == 503
    error = response.json()["checks"]["keys"]["error"]
    assert error == (
        "PII_ENCRYPTION_KEYS holds a key that is not a Fernet key;"
        " LEDGER_SIGNING_KEY does not load as an Ed25519 key"
    )
    assert "not-a-fernet-key-but-a-secret" not in response.content.decode()


def _in_faked_clock(offset: str, code: str = "", args: tuple = ()) -> subprocess.CompletedProcess:
    """``code`` (or ``args``) in a fresh Python whose clock (only its own: libfaketime) is
    ``offset`` off, against the session's real test database and S3 server."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_FORMAT": "json",
    }
    return subprocess.run(
        ["faketime", "-f", offset, sys.executable, *(args or ("-c", code))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


PROBE = """
import django, json
django.setup()
from django.test import Client
client = Client()
client.get("/api/v1/")  # the process's first request: the clock is compared once
response = client.get("/readyz")
print(json.dumps({"http": response.status_code, **response.json()}))
"""


@pytest.mark.skipif(not shutil.which("faketime"), reason="faketime (scripts/system-deps.sh test)")
def test_a_server_clock_far_from_the_databases_is_logged_and_fails_readyz(db):
    far = _in_faked_clock("+30s", PROBE)
    assert far.returncode == 0, far.stderr
    answer = json.loads(far.stdout.splitlines()[-1])
    assert answer["http"] == 503
    database = answer["checks"]["database"]
    assert not database["ok"]
    assert database["error"].startswith("this server's clock is +3")
    assert database["error"].endswith("s off the database's (limit 2 s)")
    logged = [json.loads(line) for line in far.stderr.splitlines() if line.startswith("{")]
    errors = [line for line in logged if line["level"] == "ERROR"]
    # Once at the first request, once more from /readyz.
    assert len(errors) == 2
    assert "clock is +3" in errors[0]["message"]
    assert errors[0]["logger"] == "config.health"

    near = _in_faked_clock("+0.5s", PROBE)
    assert json.loads(near.stdout.splitlines()[-1])["http"] == 200, near.stderr


@pytest.mark.skipif(not shutil.which("faketime"), reason="faketime (scripts/system-deps.sh test)")
def test_a_job_worker_whose_clock_is_off_says_so_when_it_starts(db):
    worker = _in_faked_clock("-45s", args=("manage.py", "run_jobs", "--batch"))
    assert worker.returncode == 0, worker.stderr
    logged = [json.loads(line) for line in worker.stderr.splitlines() if line.startswith("{")]
    (error,) = [line for line in logged if line["level"] == "ERROR"]
    assert error["message"].startswith("This server's clock is -4")
