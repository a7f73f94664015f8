"""`make run`: the archive on its embedded defaults.

Starts the embedded S3 server (SeaweedFS, data under var/s3) unless S3_ENDPOINT points at a
real object store, and a DEMO PKI (certomancer: CA, OCSP responder and time-stamping
authority under var/demo-pki, on loopback) unless TSA_URL or the archive's own certificate is
set, so letters and pledges are signed PAdES B-LTA as in production, under a demo trust
root that nothing outside this machine trusts. It records the S3 endpoint, the web address
and the demo PKI's settings in var/embedded.json so that the commands the banner prints find
them from another shell. Then it migrates the database (SQLite under var/ unless
DATABASE_URL is set), creates the buckets, loads the demo project on first start, signs a
ledger checkpoint and serves on http://127.0.0.1:$PORT, printing the home page's address
first and every demo login. Ctrl+C, or a SIGINT, SIGTERM or SIGHUP sent by a script or a
service manager, stops everything it started.
A job worker (`manage.py run_jobs`) runs beside the web server.

The setup commands run in this process (one Django start instead of seven); only the web
server and the job worker are child processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from responsibility.demo_pki import ARCH as DEMO_ARCH  # noqa: E402
from responsibility.demo_pki import DemoPki  # noqa: E402
from storage.embedded import EmbeddedS3, run_state_clear, run_state_write  # noqa: E402

PORT = os.environ.get("PORT", "8000")
EMBEDDED_S3_PORT = int(os.environ.get("EMBEDDED_S3_PORT", "8333"))


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def signing_line() -> str:
    from django.conf import settings

    if not settings.TSA_URL:
        return "  Signing:   PAdES B-B (no TSA_URL: no timestamp)"
    if f"/{DEMO_ARCH}/" in settings.TSA_URL:
        return (
            f"  Signing:   PAdES B-LTA under the DEMO PKI, not for production"
            f" (TSA {settings.TSA_URL})"
        )
    return f"  Signing:   PAdES B-LTA (TSA {settings.TSA_URL})"


def _labels_lines(base: str, paths) -> list[str]:
    if paths is None:
        return []
    sheet, scan = paths
    return [
        f"  Labels:    {base}{sheet} (location QR labels, A4; as supervisor)",
        f"  Scan:      {base}{scan} (a label's photo opens its location)",
    ]


def banner(base: str) -> str:
    from demo.logins import demo_logins_lines
    from projects.demo import demo_label_paths

    # The commands below find this run's S3 server and addresses from another shell through
    # var/embedded.json; only a var/ other than the default has to be named.
    var = f"LQA_VAR_DIR={os.environ['LQA_VAR_DIR']} " if "LQA_VAR_DIR" in os.environ else ""

    return "\n".join(
        [
            "",
            f"The archive is running at {base}/ (home: my work)",
            f"  Sign in:   {base}/login/",
            f"  Projects:  {base}/projects/",
            f"  Dashboard: {base}/oversight/ (as regulator or admin)",
            f"  API docs:  {base}/api/docs/",
            f"  Admin:     {base}/admin/ (as admin)",
            *_labels_lines(base, demo_label_paths()),
            f"  Package:   {var}.venv/bin/python manage.py export_archive 1 -o demo.zip"
            f" && {var}.venv/bin/python manage.py verify_package demo.zip",
            signing_line(),
            "",
            *demo_logins_lines(),
            "",
            "Press Ctrl+C to stop.",
            "",
        ]
    )


def main() -> int:
    # A terminal's Ctrl+C, a closed terminal and a service manager's stop all end cleanly.
    # SIGINT gets our own handler too: a job started in the background by a script inherits
    # SIGINT ignored, and Python then never turns it into KeyboardInterrupt by itself.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    var = Path(os.environ.get("LQA_VAR_DIR", ROOT / "var"))
    # Links the demo prints (and the plaque's QR code) point at this server.
    os.environ.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{PORT}")
    s3 = pki = None
    try:
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
        if not any(
            name in os.environ
            for name in ("TSA_URL", "ARCHIVE_SIGNING_CERT", "ARCHIVE_SIGNING_CERT_FILE")
        ):
            pki = DemoPki(var / "demo-pki")
            print(
                f"Starting the DEMO PKI (certomancer: CA, OCSP, time-stamping authority) on"
                f" 127.0.0.1:{pki.port} — a demo trust root, never for production …",
                flush=True,
            )
            pki.start()
            os.environ.update(pki.settings_env())
        if s3 or pki:
            run_state_write(
                var,
                s3_endpoint=s3.endpoint if s3 else None,
                public_base_url=os.environ["PUBLIC_BASE_URL"],
                signing_env=pki.settings_env() if pki else {},
            )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django
        from django.core.management import call_command
        from django.db import connections

        django.setup()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("storage_init")
        call_command("load_demo", verbosity=0)  # its logins are in the banner below
        call_command("load_demo_materials")
        call_command("load_demo_defect_case")
        call_command("load_demo_completed")
        call_command("ledger_checkpoint")
        connections.close_all()
        print(banner(f"http://127.0.0.1:{PORT}"), flush=True)
        # --insecure serves the admin's static files without turning DEBUG on. The server
        # ignores SIGINT: a Ctrl+C reaches the whole process group, and this process stops
        # it (SIGTERM) rather than have it print a traceback when it came mid-start-up.
        children = [
            subprocess.Popen(
                command,
                cwd=ROOT,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509
            )
            for command in (
                [
                    sys.executable,
                    "manage.py",
                    "runserver",
                    "--noreload",
                    "--insecure",
                    f"127.0.0.1:{PORT}",
                ],
                # The job worker: exports, previews, scheduled checkpoints, fixity, reconcile.
                [sys.executable, "manage.py", "run_jobs"],
            )
        ]
        try:
            return children[0].wait()
        except KeyboardInterrupt:
            return 0
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                child.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if pki is not None:
            print("Stopping the DEMO PKI …", flush=True)
            pki.stop()
        if s3 is not None:
            print("Stopping the embedded S3 server …", flush=True)
            run_state_clear(var)
            s3.stop()


if __name__ == "__main__":
    sys.exit(main())
