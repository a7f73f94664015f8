"""Real servers for the test session: a throwaway PostgreSQL cluster and one SeaweedFS S3,
and, for the tests that ask for it (``demo_pki``), a CA with OCSP, CRLs and an RFC 3161
time-stamping authority served by certomancer.

Loaded with ``-p tests.servers`` (see pyproject) so it runs before pytest-django sets up
Django: the settings read DATABASE_URL and S3_* from the environment this plugin fills in.
Both servers bind to 127.0.0.1 on free ports and are stopped when the session ends.
``DATABASE_URL`` given by the caller is used as it is instead of a throwaway cluster.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from storage.embedded import EmbeddedS3

PG_BIN_CANDIDATES = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14, 13)]

_state: dict[str, object] = {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin() -> Path:
    for candidate in PG_BIN_CANDIDATES:
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise pytest.UsageError(
        "PostgreSQL server binaries were not found; run `make test` (it installs them)"
        " or set DATABASE_URL."
    )


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own, removed when stopped; or, given ``keep`` (a
    directory), kept there when stopped and started again from it next time (the benchmarks'
    ``--keep``: a large synthetic archive is built once)."""

    def __init__(self, keep: Path | None = None) -> None:
        self.bin = _pg_bin()
        self.as_root = os.geteuid() == 0
        self.keep = keep is not None
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
        self.dir = keep if keep is not None else Path(tempfile.mkdtemp(prefix="lqa-pg-"))
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def _cmd(self, *args: str) -> list[str]:
        # initdb refuses to run as root: run the cluster as the postgres user.
        return ["runuser", "-u", "postgres", "--", *args] if self.as_root else list(args)

    def start(self) -> str:
        data = self.dir / "data"
        if self.as_root:
            pg = pwd.getpwnam("postgres")
            os.chown(self.dir, pg.pw_uid, pg.pw_gid)
        self.dir.chmod(0o700)
        if not (data / "PG_VERSION").exists():  # else a kept cluster, started as it was left
            self._initdb(data)
        log = open(self.dir / "postgres.log", "ab")  # noqa: SIM115 - handed to the server
        self.process = subprocess.Popen(
            self._cmd(
                str(self.bin / "postgres"),
                "-D",
                str(data),
                "-p",
                str(self.port),
                "-h",
                "127.0.0.1",
                "-k",
                str(self.dir),
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if ready.returncode == 0:
                return f"postgres://postgres@127.0.0.1:{self.port}/postgres"
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise pytest.UsageError(f"PostgreSQL did not start; see {self.dir / 'postgres.log'}")

    def _initdb(self, data: Path) -> None:
        subprocess.run(
            self._cmd(
                str(self.bin / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # SIGINT is PostgreSQL's "fast shutdown"; runuser passes it on.
            subprocess.run(
                self._cmd(
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.dir / "data"),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                ),
                capture_output=True,
            )
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


# A killed test run (SIGKILL, a closed terminal, a CI timeout) never reaches
# pytest_unconfigure, and the servers run in their own sessions, so they would live on. The
# reaper is a small detached process that holds the read end of a pipe whose write end only
# this test process has: when the test process dies, however it dies, the read returns, and
# the reaper stops every process whose command line names one of the session's directories,
# then removes them. After a clean end it finds nothing left to stop.
_REAPER = """
import os, shutil, signal, sys, time
fd, dirs = int(sys.argv[1]), sys.argv[2:]
while os.read(fd, 1024):
    pass
def ours():
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                line = f.read().decode(errors="replace")
        except OSError:
            continue
        if int(pid) != os.getpid() and any(d in line for d in dirs):
            found.append(int(pid))
    return found
for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 2)):
    for pid in ours():
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    deadline = time.monotonic() + wait
    while ours() and time.monotonic() < deadline:
        time.sleep(0.2)
for d in dirs:
    shutil.rmtree(d, ignore_errors=True)
"""


def _start_reaper(*dirs: Path) -> None:
    read_end, write_end = os.pipe()
    subprocess.Popen(
        [sys.executable, "-c", _REAPER, str(read_end), *map(str, dirs)],
        pass_fds=(read_end,),
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(read_end)
    _state["reaper_pipe"] = write_end  # closed by the kernel when this process ends


class SessionS3(EmbeddedS3):
    """The session's S3 server. A test that stops it and starts it again gets it back only
    once it really serves: the S3 port answers before the volume server takes connections,
    and a test that went on at that moment would see "connection refused" on its next read."""

    restarted = False

    def start(self, timeout: float = 30.0) -> None:
        super().start(timeout)
        if self.restarted:  # a restart inside a test, not the session's first start
            self.wait_serving(timeout)
        self.restarted = True

    def wait_serving(self, timeout: float) -> None:
        import io

        from storage import gateway
        from storage.errors import StorageUnavailable

        probe = b"ready"
        deadline = time.monotonic() + timeout
        while True:
            try:
                gateway.put(
                    derived_bucket(),
                    "_test-session/ready",
                    data=io.BytesIO(probe),
                    length=len(probe),
                    content_type="text/plain",
                )
                with gateway.get(derived_bucket(), "_test-session/ready") as stream:
                    if b"".join(stream) == probe:
                        return
            except StorageUnavailable:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)


def derived_bucket() -> str:
    from django.conf import settings

    return settings.S3_DERIVED_BUCKET


def _terminated(signum, frame):
    # SIGTERM and SIGHUP end the run like Ctrl+C does, so pytest_unconfigure stops the servers.
    raise KeyboardInterrupt


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    if early_config.known_args_namespace.help or "--version" in args:
        return (yield)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminated)
    tmp = Path(tempfile.mkdtemp(prefix="lqa-test-"))
    _state["tmp"] = tmp
    os.environ["LQA_VAR_DIR"] = str(tmp / "var")
    os.environ["FAST_PASSWORD_HASHER"] = "1"
    os.environ.setdefault("DEBUG", "0")
    # Each test runs in a transaction that never commits, so a deferred entry would never be
    # sequenced there: the tests write inline, as on SQLite, and the deferred path has its own
    # transactional tests (tests/ledger/test_sequencer.py).
    os.environ["LEDGER_SEQUENCING"] = "inline"
    if not os.environ.get("DATABASE_URL"):
        postgres = ThrowawayPostgres()
        _start_reaper(tmp, postgres.dir)
        os.environ["DATABASE_URL"] = postgres.start()
        _state["postgres"] = postgres
    else:
        _start_reaper(tmp)
    s3 = SessionS3(data_dir=tmp / "s3", access_key="lqa-test", secret_key="lqa-test-secret")
    s3.start()
    _state["s3"] = s3
    os.environ["S3_ENDPOINT"] = s3.endpoint
    os.environ["S3_ACCESS_KEY"] = s3.access_key
    os.environ["S3_SECRET_KEY"] = s3.secret_key
    os.environ["S3_TIMEOUT_SECONDS"] = "3"
    os.environ["S3_RETRIES"] = "1"
    return (yield)


def pytest_unconfigure(config):
    pki = _state.pop("pki", None)
    if pki is not None:
        pki.stop()
    s3 = _state.pop("s3", None)
    if s3 is not None:
        s3.stop()
    postgres = _state.pop("postgres", None)
    if postgres is not None:
        postgres.stop()
    tmp = _state.pop("tmp", None)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def s3_server() -> EmbeddedS3:
    """The session's real S3 server, for tests that stop and restart it."""
    return _state["s3"]


@pytest.fixture(scope="session")
def demo_pki():
    """A real CA, OCSP responder, CRL server and time-stamping authority on 127.0.0.1
    (certomancer), started on first use and stopped with the session. The suite signs PAdES
    B-B by default (no TSA_URL: no HTTP round trips per signature); the tests of long-term
    signatures turn B-LTA on with the ``long_term_signing`` fixture."""
    from responsibility.demo_pki import DemoPki

    pki = _state.get("pki")
    if pki is None:
        pki = DemoPki(Path(_state["tmp"]) / "pki")
        pki.start()
        _state["pki"] = pki
    return pki
