"""PostgreSQL restarted under load: the app process keeps running and reconnects, requests
caught by the restart answer 503 with a message (no traceback), nothing is half-written and
every write that was answered 2xx is there afterwards."""

from __future__ import annotations

import contextlib
import json
import threading
import time

import pytest

from tests.conftest import credit_code
from tests.faults.apps import CREATE_OPERATOR, AppServer, FaultPostgres

WRITERS = 4


@pytest.fixture
def app(db, tmp_path):
    postgres = FaultPostgres()
    try:
        url = postgres.start_copy()
        server = AppServer(database_url=url, var_dir=tmp_path / "var")
        token = server.manage("shell", "-c", CREATE_OPERATOR).strip().splitlines()[-1]
        server.start()
        try:
            yield server, postgres, token
        finally:
            server.stop()
    finally:
        postgres.stop()


def _organization(n: int) -> dict:
    return {"name": f"Restart test {n}", "credit_code": credit_code(f"91110000{n:09d}")}


@pytest.mark.slow
def test_requests_during_a_postgresql_restart_fail_cleanly_and_the_app_reconnects(app):
    server, postgres, token = app
    answered: list[tuple[int, int, str, str]] = []  # (n, status, content type, body)
    stop = threading.Event()
    counter = iter(range(1, 10**6))
    lock = threading.Lock()

    def writer():
        while not stop.is_set():
            with lock:
                n = next(counter)
            status, kind, body = server.request(
                "POST", "/api/v1/organizations/", token=token, body=_organization(n)
            )
            with lock:
                answered.append((n, status, kind, body))

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1.0)  # writes going through
        # Writes in flight for sure when the restart comes, however busy the machine: they
        # wait for a lock on the organizations' table that a connection of the test holds.
        blocker = postgres.lock_and_wait("LOCK TABLE projects_organization IN SHARE MODE")
        postgres.wait_for_lock_waiter()
        postgres.restart()
        with contextlib.suppress(Exception):
            blocker.close()  # the restart ended its session
        time.sleep(1.5)  # and going through again
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    created = {n: json.loads(body)["id"] for n, status, _, body in answered if status == 201}
    failed = [(n, status, kind, body) for n, status, kind, body in answered if status != 201]
    assert created, "no write went through"
    # The restart caught requests in flight or arriving while the server was down.
    assert failed, "the restart caught no request: it proves nothing"
    for _n, status, kind, body in failed:
        assert status == 503, body[:500]
        assert kind.startswith("application/json"), body[:500]
        answer = json.loads(body)
        assert answer["code"] == "database_unavailable"
        assert "try again" in answer["detail"]
        assert "Traceback" not in body

    # After the restart the same app process answers again, without being restarted.
    status, _, body = server.request(
        "POST", "/api/v1/organizations/", token=token, body=_organization(999_999)
    )
    assert status == 201, body[:500]
    assert server.process.poll() is None

    # Every acknowledged write is there, each with its ledger entry; none of the failed ones
    # left a row; and the ledger's chain is whole.
    report = server.manage("shell", "-c", _CHECK_ROWS)
    rows = json.loads(report.strip().splitlines()[-1])
    names = {name: (pk, entries) for name, pk, entries in rows}
    for n, pk in created.items():
        assert names[f"Restart test {n}"] == (pk, 1)
    for n, _status, _kind, _body in failed:
        assert f"Restart test {n}" not in names
    server.manage("verify_archive")


@pytest.mark.slow
def test_while_postgresql_is_down_pages_and_the_api_answer_503_and_say_why(app):
    server, postgres, token = app
    postgres.pg_ctl("-m", "fast", "stop")
    try:
        status, kind, body = server.request("GET", "/api/v1/me/", token=token)
        assert status == 503
        assert json.loads(body)["detail"] == (
            "The database is unavailable, so nothing was saved. Please try again in a minute."
        )
        # A page that reads the database (a plaque's public page): our 503 page.
        status, kind, body = server.request("GET", "/p/no-such-plaque/", accept="text/html")
        assert status == 503, body[:500]
        assert kind.startswith("text/html")
        assert "database could not be reached, so nothing was saved" in body
        assert "Traceback" not in body
    finally:
        postgres.start_again()
    status, _, body = server.request("GET", "/api/v1/me/", token=token)
    assert status == 200, body[:500]


_CHECK_ROWS = """
import json
from ledger.canonical import record_type
from ledger.models import LedgerEntry
from projects.models import Organization
kind = record_type(Organization)
rows = []
for org in Organization.objects.filter(name__startswith="Restart test "):
    entries = LedgerEntry.objects.filter(record_type=kind, record_id=str(org.pk)).count()
    rows.append((org.name, org.pk, entries))
print(json.dumps(rows))
"""
