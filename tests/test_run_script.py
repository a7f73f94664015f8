"""`make run` (scripts/run.py) as a newcomer and a script meet it: it prints the home page
first and every demo login, serves, and stops cleanly on a SIGINT sent to its process group
even when it was started with SIGINT ignored (as a background job of a script is)."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from demo.logins import DEMO_ACCOUNTS
from projects.demo import DEMO_PASSWORD
from storage.embedded import free_port_pairs, run_state_write

ROOT = Path(__file__).resolve().parent.parent


def _child_env(var: Path, port: int, s3_port: int) -> dict[str, str]:
    """The environment of a newcomer's shell: none of the test session's servers."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("S3_", "DATABASE_", "DJANGO_", "PUBLIC_BASE_URL"))
    }
    env.update(
        LQA_VAR_DIR=str(var),
        PORT=str(port),
        EMBEDDED_S3_PORT=str(s3_port),
        FAST_PASSWORD_HASHER="1",  # 14 demo accounts; the hash is not what is tested here
        PYTHONUNBUFFERED="1",
    )
    return env


def _processes_naming(text: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(pid))
    return found


def _environ(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _sign_in_and_open_home(base: str, username: str) -> tuple[int, str]:
    home = _signed_in(base, username).open(f"{base}/", timeout=10)
    return home.status, home.geturl()


def _signed_in(base: str, username: str):
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    deadline = time.monotonic() + 30
    while True:  # the banner comes just before the web server starts listening
        try:
            form = opener.open(f"{base}/login/", timeout=5).read().decode()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD}
    ).encode()
    request = urllib.request.Request(f"{base}/login/", data=data)  # noqa: S310 - loopback
    opener.open(request, timeout=10)
    return opener


def test_the_readme_lists_every_demo_login_as_make_run_prints_it():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # The demo logins' table: from its header to the first line that is not a row.
    table = readme[readme.index("| user | who, and what they may do") :].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `([a-z-]+)` \| (.+) \|$", table, re.MULTILINE)
    assert rows == DEMO_ACCOUNTS


@pytest.mark.slow
def test_make_run_lists_every_demo_login_serves_and_stops_on_sigint_from_a_script(tmp_path):
    """…and the package commands it prints work from a second shell on its chosen ports."""
    var = tmp_path / "var"
    # Above the range run.py's own S3 server picks its other ports from (20000-29000).
    port, s3_port = free_port_pairs(2, start=30000, stop=32000)
    process = subprocess.Popen(
        [sys.executable, "scripts/run.py"],
        cwd=ROOT,
        env=_child_env(var, port, s3_port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a job of a script has
        # What a script's background job inherits: SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 240
        while not any("Press Ctrl+C to stop." in line for line in lines):
            assert process.poll() is None, "run.py ended early:\n" + "".join(lines)
            assert time.monotonic() < deadline, "run.py did not start:\n" + "".join(lines)
            time.sleep(0.2)
        output = "".join(lines)
        base = f"http://127.0.0.1:{port}"

        # The home page first, then where to sign in, then the logins with what each may do.
        banner = output[output.index("The archive is running at") :]
        assert banner.startswith(f"The archive is running at {base}/ ")
        assert banner.splitlines()[1].split() == ["Sign", "in:", f"{base}/login/"]
        assert f"(password {DEMO_PASSWORD})" in banner
        # The demo signs as production does, under a PKI that says it is a demo.
        assert "Signing:   PAdES B-LTA under the DEMO PKI, not for production" in banner
        with sqlite3.connect(var / "archive.sqlite3") as db:
            accounts = {name for (name,) in db.execute("SELECT username FROM auth_user")}
        assert len(accounts) == 14
        assert accounts == {username for username, _ in DEMO_ACCOUNTS}
        for username in accounts:
            assert re.search(rf"^  {re.escape(username)}  +\S", banner, re.MULTILINE), username

        # The job worker runs beside the web server: the schedules' first checkpoint ran.
        assert "  Jobs:      a worker (manage.py run_jobs)" in banner
        assert f"{base}/admin/jobs/job/" in banner
        deadline = time.monotonic() + 60
        while True:
            with sqlite3.connect(var / "archive.sqlite3") as db:
                ran = db.execute(
                    "SELECT count(*) FROM django_tasks_database_dbtaskresult"
                    " WHERE task_path = 'ledger.jobs.sign_checkpoint' AND status = 'SUCCESSFUL'"
                ).fetchone()[0]
            if ran:
                break
            assert time.monotonic() < deadline, "no checkpoint job ran:\n" + "".join(lines)
            time.sleep(0.5)
        assert [pid for pid in _processes_naming("run_jobs") if str(var) in _environ(pid)]

        status, url = _sign_in_and_open_home(base, "supervisor")
        assert (status, url) == (200, f"{base}/")
        # The location label sheet it prints opens, for the supervisor, as a PDF.
        labels_url = re.search(r"^  Labels:    (\S+)", banner, re.MULTILINE).group(1)
        sheet = _signed_in(base, "supervisor").open(labels_url, timeout=60)
        assert sheet.headers["Content-Type"] == "application/pdf"
        assert sheet.read().startswith(b"%PDF-")
        assert _processes_naming(str(var / "s3"))  # the embedded S3 server is running
        assert _processes_naming(str(var / "demo-pki"))  # and the demo TSA/OCSP

        # The package commands it prints, run as printed from a second shell that knows
        # nothing of EMBEDDED_S3_PORT or PORT: they find the server through var/.
        assert json.loads((var / "embedded.json").read_text())["s3_endpoint"] == (
            f"127.0.0.1:{s3_port}"
        )
        printed = re.search(r"^  Package:   (.+)$", banner, re.MULTILINE).group(1)
        second_shell = {
            key: value
            for key, value in _child_env(var, port, s3_port).items()
            if key not in ("LQA_VAR_DIR", "PORT", "EMBEDDED_S3_PORT")
        }
        package = tmp_path / "demo.zip"
        run = subprocess.run(
            ["bash", "-c", printed.replace("demo.zip", str(package))],
            cwd=ROOT,
            env=second_shell,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        assert "归档包完整" in run.stdout  # "The package is intact", in the default language

        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        reader.join(timeout=5)
        leftovers = _processes_naming(str(var / "s3")) + _processes_naming(str(var / "demo-pki"))
        for pid in leftovers:  # only after a failure: do not leave a server behind
            os.kill(pid, signal.SIGKILL)
    assert leftovers == []
    assert "Stopping the embedded S3 server" in "".join(lines)
    assert not (var / "embedded.json").exists()  # its server is gone: forget it
    assert "Traceback" not in "".join(lines)
    assert _processes_naming(f"127.0.0.1:{port}") == []  # the web server too
    assert not [pid for pid in _processes_naming("run_jobs") if str(var) in _environ(pid)]
    with pytest.raises(urllib.error.URLError, match="refused"):
        urllib.request.urlopen(f"http://127.0.0.1:{s3_port}/", timeout=2)


def test_commands_from_another_shell_use_the_endpoint_make_run_recorded(tmp_path):
    """What run.py records under var/ is what the settings default to; the environment
    still wins."""
    var = tmp_path / "var"
    run_state_write(var, s3_endpoint="127.0.0.1:20999", public_base_url="http://127.0.0.1:8790")
    env = _child_env(var, 8790, 20999)
    del env["EMBEDDED_S3_PORT"], env["PORT"]
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    code = (
        "import django; django.setup(); from django.conf import settings;"
        " print(settings.S3_ENDPOINT, settings.PUBLIC_BASE_URL)"
    )
    python = [sys.executable, "-c", code]
    run = subprocess.run(python, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.stdout.split() == ["127.0.0.1:20999", "http://127.0.0.1:8790"], run.stderr
    env["S3_ENDPOINT"] = "files.example.gov.cn"
    run = subprocess.run(python, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.stdout.split()[0] == "files.example.gov.cn", run.stderr
    (var / "embedded.json").unlink()
    del env["S3_ENDPOINT"]
    run = subprocess.run(python, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.stdout.split() == ["127.0.0.1:8333", "http://127.0.0.1:8000"], run.stderr


def test_a_record_left_by_a_killed_make_run_is_ignored(tmp_path):
    """A `make run` killed with SIGKILL leaves var/embedded.json behind; its servers died with
    it, so the settings must not send another shell's commands to them."""
    from storage.embedded import run_state_read

    gone = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    gone.wait()
    (tmp_path / "embedded.json").write_text(
        json.dumps({"s3_endpoint": "127.0.0.1:20999", "pid": gone.pid})
    )
    assert run_state_read(tmp_path) == {}
    run_state_write(tmp_path, s3_endpoint="127.0.0.1:20999")  # this process: alive
    assert run_state_read(tmp_path)["s3_endpoint"] == "127.0.0.1:20999"
