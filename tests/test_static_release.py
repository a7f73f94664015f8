"""A release as production runs it: `collectstatic` with STATIC_MANIFEST=1, then the app
process (gunicorn) serves every page's assets itself, compressed, under content-hashed names
cached for a year. No CDN and no separate web server are needed on a site network."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http to 127.0.0.1)
    return urllib.request.urlopen(request, timeout=10)  # noqa: S310


def test_collected_assets_are_served_hashed_compressed_and_cached_by_the_app(tmp_path):
    env = {
        **os.environ,
        "STATIC_MANIFEST": "1",
        "STATIC_ROOT": str(tmp_path / "static"),
        "LQA_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                page = get(f"http://127.0.0.1:{port}/login/").read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer")
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
        assert any(re.search(r"/vendor/pico/pico\.min\.[0-9a-f]{12}\.css$", a) for a in assets)
        assert any(re.search(r"/vendor/htmx/htmx\.min\.[0-9a-f]{12}\.js$", a) for a in assets)
        for asset in assets:
            response = get(f"http://127.0.0.1:{port}{asset}", **{"Accept-Encoding": "gzip"})
            assert response.status == 200
            assert "immutable" in response.headers["Cache-Control"]
            if asset.endswith((".css", ".js")):
                assert response.headers["Content-Encoding"] == "gzip"
    finally:
        server.terminate()
        server.wait(timeout=10)
