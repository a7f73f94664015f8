"""The app as it runs in production, for the fault tests: gunicorn in its own process on a
PostgreSQL cluster of the test's own (a copy of the session's migrated test database, so no
migration is run again), against the session's S3 server.

The session's database is never restarted or killed: other tests share it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.servers import ThrowawayPostgres, _free_port

ROOT = Path(__file__).resolve().parents[2]


def _pg_env(database: dict) -> dict[str, str]:
    return {
        **os.environ,
        "PGHOST": str(database["HOST"] or "127.0.0.1"),
        "PGPORT": str(database["PORT"] or 5432),
        "PGUSER": str(database["USER"] or "postgres"),
        "PGPASSWORD": str(database.get("PASSWORD") or ""),
    }


class FaultPostgres(ThrowawayPostgres):
    """A throwaway cluster holding a copy of the session's test database, that a test may
    restart (``pg_ctl restart -m fast``) or stop."""

    def start_copy(self) -> str:
        url = self.start()
        dump = self.dir / "copy.dump"
        source = connection.settings_dict
        subprocess.run(
            [str(self.bin / "pg_dump"), "-Fc", "-f", str(dump), source["NAME"]],
            env=_pg_env(source),
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                str(self.bin / "pg_restore"),
                "--no-owner",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                str(dump),
            ],
            check=True,
            capture_output=True,
        )
        return url

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(
            self._cmd(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-w", *args),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def restart(self) -> None:
        # The restarted server is pg_ctl's child, not self.process: stop() below uses pg_ctl.
        self.pg_ctl("-m", "fast", "-l", str(self.dir / "postgres-restarted.log"), "restart")

    def start_again(self) -> None:
        """Start the stopped cluster on its port (pg_ctl start does not reuse the options
        the server was first started with; restart does)."""
        options = f"-p {self.port} -h 127.0.0.1 -k {self.dir} -c fsync=off"
        self.pg_ctl("-o", options, "-l", str(self.dir / "postgres-restarted.log"), "start")

    def lock_and_wait(self, statement: str):
        """Open a connection that takes ``statement``'s lock and keeps it (until the server
        goes down): a write that needs it is then in flight for as long as the test wants."""
        import psycopg

        conn = psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres")
        conn.execute(statement)
        return conn

    def wait_for_lock_waiter(self, *, timeout: float = 120) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                waiting = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                ).fetchone()[0]
                if waiting:
                    return
                time.sleep(0.05)
        raise AssertionError("no request reached its write")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.pg_ctl("-m", "immediate", "stop")
        super().stop()


@dataclass
class AppServer:
    """gunicorn serving config.wsgi on ``database_url`` and the session's S3 server."""

    database_url: str
    var_dir: Path
    workers: int = 2
    threads: int = 4
    extra_env: dict | None = None
    process: subprocess.Popen | None = None
    port: int = 0

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "LQA_VAR_DIR": str(self.var_dir),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONUNBUFFERED": "1",
            # The test's own: a session made by the test client is valid in the app.
            "SECRET_KEY": settings.SECRET_KEY,
            **(self.extra_env or {}),
        }
        return env

    def manage(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self) -> AppServer:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.log = self.var_dir / "gunicorn.log"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("gunicorn")),
                    "config.wsgi",
                    f"--bind=127.0.0.1:{self.port}",
                    f"--workers={self.workers}",
                    f"--threads={self.threads}",
                    "--timeout=60",
                    "--graceful-timeout=2",
                    "--no-control-socket",  # not a shared one under ~/.gunicorn
                ],
                env=self.env(),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        # A static file: an answer from a worker that needs neither the database nor the
        # schema generator. Generous: the CI machine may be busy.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{self.base}/static/lqa/base.css", timeout=10)  # noqa: S310
                return self
            except urllib.error.HTTPError:
                return self
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer:\n{self.log.read_text()[-3000:]}")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str = "",
        body: dict | None = None,
        accept: str = "application/json",
        timeout: float = 30,
    ) -> tuple[int, str, str]:
        """(status, content type, body text) of one request; never raises for an HTTP error."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=data, method=method)  # noqa: S310
        request.add_header("Accept", accept)
        request.add_header("Accept-Language", "en")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return (
                    response.status,
                    response.headers.get("Content-Type", ""),
                    response.read().decode(),
                )
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read().decode()


# Run in the app's environment: a staff user and a knox token for the API.
CREATE_OPERATOR = """
from django.contrib.auth import get_user_model
from knox.models import AuthToken
user = get_user_model().objects.create_user("fault-operator", password="x", is_staff=True)
print(AuthToken.objects.create(user=user)[1])
"""


def session_database_url() -> str:
    """The session's test database (the one the test's committed rows are in)."""
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextlib.contextmanager
def held_lock(*statements: str):
    """Run ``statements`` (a LOCK TABLE, a SELECT … FOR UPDATE) in a transaction of a
    connection of its own, and hold what they lock until the block ends: the app's write
    that needs it waits there — after its puts, before its commit — for as long as the test
    wants."""
    import psycopg

    url = session_database_url().replace("postgres://", "postgresql://")
    with psycopg.connect(url) as conn, conn.transaction():
        for statement in statements:
            conn.execute(statement)
        yield conn


def wait_for_blocked_backend(*, timeout: float = 60, until_done=None) -> None:
    """Until a backend of the session's database waits for a lock (the app reached its
    write), or fail."""
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(
        session_database_url().replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).fetchone()[0]
            if waiting:
                return
            if until_done is not None and until_done():
                raise AssertionError("the request ended before its write")
            time.sleep(0.05)
    raise AssertionError("the app never reached its write")


def wait_for_no_transaction_open(*, timeout: float = 30) -> None:
    """Until no other backend of the session's database is inside a transaction: the
    killed process's backend has found its client gone and rolled back."""
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(
        session_database_url().replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        while time.monotonic() < deadline:
            busy = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                " AND (state LIKE 'idle in transaction%' OR wait_event_type = 'Lock')"
            ).fetchone()[0]
            if not busy:
                return
            time.sleep(0.05)
    raise AssertionError("PostgreSQL still holds the killed process's transaction")


def kill_workers(server: AppServer) -> list[int]:
    """SIGKILL every gunicorn worker of ``server`` (the master starts new ones)."""
    pids = server.worker_pids()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return pids
