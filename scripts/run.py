"""`make run`: the archive on its embedded defaults.

Starts the embedded S3 server (SeaweedFS, data under var/s3) unless S3_ENDPOINT points at a
real object store, migrates the database (SQLite under var/ unless DATABASE_URL is set),
creates the buckets, loads the demo project on first start, signs a ledger checkpoint and
serves on http://127.0.0.1:$PORT. Ctrl+C stops everything it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.embedded import EmbeddedS3  # noqa: E402

PORT = os.environ.get("PORT", "8000")
EMBEDDED_S3_PORT = int(os.environ.get("EMBEDDED_S3_PORT", "8333"))


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    # A terminal's Ctrl+C, a closed terminal and a service manager's stop all end cleanly.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    var = Path(os.environ.get("LQA_VAR_DIR", ROOT / "var"))
    # Links the demo prints (and the plaque's QR code) point at this server.
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{PORT}")
    s3 = None
    if "S3_ENDPOINT" not in os.environ:
        s3 = EmbeddedS3(
            data_dir=var / "s3",
            access_key=os.environ.get("S3_ACCESS_KEY", "lqa-local"),
            secret_key=os.environ.get("S3_SECRET_KEY", "lqa-local-secret"),
            s3_port=EMBEDDED_S3_PORT,
        )
        print(f"Starting the embedded S3 server (SeaweedFS) on {s3.endpoint} …", flush=True)
        s3.start()
        os.environ["S3_ENDPOINT"] = s3.endpoint
    try:
        manage("migrate", "--no-input", "-v", "0")
        manage("storage_init")
        manage("load_demo")
        manage("load_demo_materials")
        manage("load_demo_defect_case")
        manage("load_demo_completed")
        manage("ledger_checkpoint")
        print(
            f"\nThe archive is running at http://127.0.0.1:{PORT}/"
            f"\n  API docs:  http://127.0.0.1:{PORT}/api/docs/"
            f"\n  Admin:     http://127.0.0.1:{PORT}/admin/"
            f"\n  Oversight: http://127.0.0.1:{PORT}/oversight/ (log in as regulator)"
            "\n  Package:   .venv/bin/python manage.py export_archive 1 -o demo.zip"
            " && .venv/bin/python manage.py verify_package demo.zip"
            "\nLog in with one of the demo accounts above. Press Ctrl+C to stop.\n",
            flush=True,
        )
        # --insecure serves the admin's static files without turning DEBUG on.
        server = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "runserver",
                "--noreload",
                "--insecure",
                f"127.0.0.1:{PORT}",
            ],
            cwd=ROOT,
        )
        try:
            return server.wait()
        except KeyboardInterrupt:
            server.terminate()
            server.wait()
            return 0
    except KeyboardInterrupt:
        return 0
    finally:
        if s3 is not None:
            print("Stopping the embedded S3 server …", flush=True)
            s3.stop()


if __name__ == "__main__":
    sys.exit(main())
