"""Several app processes under a mixed load, then the archive's own checks.

Run: ``cd /work/main && .venv/bin/python bench/load_bench.py [--seconds 120] [--users 16]
[--reference-seconds 20]``

Starts its own throwaway PostgreSQL and SeaweedFS S3 (``--database-url``/``--s3-*`` to use
running ones: tests/ops/test_production_load.py passes the test session's), then:

1. a fresh database and buckets of its own on them; ``migrate``, ``storage_init`` and the
   demo (the project under way with its materials and defect case, and a finished project);
2. ``--web-processes`` gunicorn processes (default 2) of ``--workers`` workers each (default
   2) on free ports, each with its own Prometheus multiprocess directory as a host would
   have, and one ``run_jobs`` worker; waits for each one's /readyz;
3. locust, headless (bench/locustfile.py), users spread round-robin over the processes:
   deliveries and usages, inspection lots with photo uploads and both sign-offs, document
   signing (a lead corrects a pledge and signs it), trace reads, recall reads, exports —
   first ``--reference-seconds`` with one user (the unloaded reference), then
   ``--seconds`` with ``--users``;
4. the checks: no server error (none answered, none logged), ``verify_archive`` clean, the
   ledger's indexes gap-free, ``reconcile_storage`` clean, every acknowledged write found
   (deliveries, usages, lots, photos, accepted lots, signed documents), and the ledger
   appends the app processes' /metrics counted equal to the entries added.

Prints requests, throughput and p95 per request kind, the p95 against the unloaded
reference's, and writes the same as JSON with ``--json FILE``. Exit status 1 if a check
fails. Ctrl+C stops the load and every process it started.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

METRICS_TOKEN = "load-bench-metrics-token"  # noqa: S105 - a throwaway server's


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Steps run in a child process, with Django set up on the load's own database ---

SEED = """
import json, sys, time
from django.core.management import call_command

began = time.monotonic()
steps = ["load_demo", "load_demo_materials", "load_demo_defect_case"]
if sys.argv[1] == "migrate":
    call_command("migrate", interactive=False, verbosity=0)
if sys.argv[2] == "completed":
    steps.append("load_demo_completed")
call_command("storage_init", verbosity=0)
for step in steps:
    call_command(step, verbosity=0)
from django.db.models import Q
from inspections.models import AcceptanceRecord
from ledger.models import LedgerEntry
from materials.models import DefectNotice, Delivery
from projects.demo import DEMO_PASSWORD, DEMO_PROJECT_NAME
from projects.models import Location, Project
from responsibility.models import DefectCase, ResponsibilityDocument

project = Project.objects.get(name=DEMO_PROJECT_NAME)
# The finished project's package does not grow during the load; without it, the demo's.
completed = Project.objects.exclude(pk=project.pk).order_by("pk").first() or project
cable = Delivery.objects.get(project=project, batch__batch_number="YD2508-0117")
sub_item = (
    AcceptanceRecord.objects.filter(project=project, level="sub_item")
    .exclude(state="accepted")
    .order_by("pk")[0]
)
signers = {}
for username in ("contractor", "designer", "surveyor", "owner-lead", "supervisor-lead"):
    pledges = ResponsibilityDocument.objects.filter(
        project=project, kind="pledge", signer__user__username=username,
        status__in=["draft", "signed"],
    ).order_by("-pk")
    if pledges:
        signers[username] = {"id": pledges[0].pk, "status": pledges[0].status}
print(json.dumps({
    "password": DEMO_PASSWORD,
    "project": project.pk,
    "completed_project": completed.pk,
    "unit_work": sub_item.unit_work_id,
    "sub_item": sub_item.pk,
    "floor": Location.objects.filter(unit_work__project=project, kind="floor").order_by("pk")[0].pk,
    "batch": cable.batch_id,
    "delivery": cable.pk,
    "inspected_by": cable.inspected_by_id,
    "defect_case": DefectCase.objects.filter(project=project).order_by("pk")[0].pk,
    "defect_notice": DefectNotice.objects.order_by("pk")[0].pk,
    "signers": signers,
    "seed_seconds": round(time.monotonic() - began, 1),
    "ledger_entries": LedgerEntry.objects.count(),
}))
"""

DOCUMENTS = """
import json
from projects.demo import DEMO_PROJECT_NAME
from responsibility.models import ResponsibilityDocument

signers = {}
for username in ("contractor", "designer", "surveyor", "owner-lead", "supervisor-lead"):
    pledges = ResponsibilityDocument.objects.filter(
        project__name=DEMO_PROJECT_NAME, kind="pledge", signer__user__username=username,
        status__in=["draft", "signed"],
    ).order_by("-pk")
    if pledges:
        signers[username] = {"id": pledges[0].pk, "status": pledges[0].status}
print(json.dumps({"signers": signers}))
"""

CHECK = """
import io, json, sys
from django.core.management import call_command
from inspections.models import AcceptanceRecord, Photo
from ledger.models import LedgerEntry
from materials.models import Delivery, Usage
from responsibility.models import ResponsibilityDocument
from django.db.models import Count, Max, Min

acknowledged = json.load(open(sys.argv[1]))["acknowledged"]
lookups = {
    "delivery": Delivery.objects.all(),
    "usage": Usage.objects.all(),
    "record": AcceptanceRecord.objects.all(),
    "photo": Photo.objects.all(),
    "accepted_record": AcceptanceRecord.objects.filter(state="accepted"),
    "signed_document": ResponsibilityDocument.objects.filter(status__in=["signed", "superseded"]),
}
missing = {}
counts = {}
for kind, ids in acknowledged.items():
    found = set(lookups[kind].filter(pk__in=ids).values_list("pk", flat=True))
    counts[kind] = len(ids)
    lost = sorted(set(ids) - found)
    if lost or len(set(ids)) != len(ids):
        missing[kind] = {"lost": lost[:20], "duplicates": len(ids) - len(set(ids))}
# Entries written in the last moments may still wait for the job worker's sequencer
# (LEDGER_SEQUENCING = deferred): sequence them, so the check counts every committed write.
from ledger.sequencer import sequence_all
sequence_all()
ledger = LedgerEntry.objects.aggregate(n=Count("pk"), lo=Min("index"), hi=Max("index"))
commands = {}
if sys.argv[2] == "commands":
    for command in ("verify_archive", "reconcile_storage"):
        out = io.StringIO()
        try:
            call_command(command, stdout=out, stderr=io.StringIO())
            commands[command] = {"ok": True, "output": out.getvalue().strip()}
        except (SystemExit, Exception) as exc:
            commands[command] = {"ok": False, "output": out.getvalue().strip() + " " + str(exc)}
print(json.dumps({
    "commands": commands,
    "acknowledged": counts,
    "missing": missing,
    "ledger": ledger,
    "gap_free": ledger["n"] == 0 or (ledger["lo"] == 0 and ledger["hi"] == ledger["n"] - 1),
}))
"""


def django_json(env: dict, code: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code, *args],
        cwd=BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- The database and buckets of one load run ---


def database_create(server_url: str, template: str | None = None) -> str:
    """A new database on the server of ``server_url``, empty or a copy of ``template``."""
    import psycopg

    name = f"lqa_load_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        copy = f' TEMPLATE "{template}"' if template else ""
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    return server_url.rsplit("/", 1)[0] + "/" + name


def database_drop(server_url: str, url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Processes ---


class Processes:
    """The app processes and the job worker; every one stopped on exit."""

    def __init__(self, env: dict, logs: Path):
        self.env = env
        self.logs = logs
        self.started: list[subprocess.Popen] = []
        self.hosts: list[str] = []

    def start(self, web_processes: int, workers: int) -> None:
        for n in range(web_processes):
            port = free_port()
            metrics_dir = self.logs / f"metrics-{n}"
            metrics_dir.mkdir()
            self._spawn(
                f"web-{n}",
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    f"--workers={workers}",
                    "--preload",  # the app imported once, then forked: as README runs it
                    f"--bind=127.0.0.1:{port}",
                    "--timeout=120",
                    "--graceful-timeout=20",
                ],
                PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
            )
            self.hosts.append(f"http://127.0.0.1:{port}")
        # The job worker serves no HTTP: its counters are read through the first app
        # process's /metrics, as on a machine that runs both (README "Metrics").
        self._spawn(
            "worker",
            [sys.executable, "manage.py", "run_jobs"],
            PROMETHEUS_MULTIPROC_DIR=str(self.logs / "metrics-0"),
        )
        for host in self.hosts:
            ready_wait(host)

    def _spawn(self, name: str, command: list[str], **extra_env: str) -> None:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - handed to the child
        self.started.append(
            subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env={**self.env, **extra_env},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        log.close()

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logged_errors(self) -> list[str]:
        """Log lines at ERROR or above, from every process (JSON lines)."""
        found = []
        for path in sorted(self.logs.glob("*.log")):
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if not line.startswith("{"):
                    continue
                entry = json.loads(line)
                if entry.get("level") in {"ERROR", "CRITICAL"}:
                    cause = (entry.get("exception") or "").strip().splitlines()[-1:]
                    found.append(f"{path.stem}: {entry['logger']}: {entry['message']} {cause}")
        return found


def ready_wait(host: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{host}/readyz", timeout=10) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{host}/readyz did not answer 200 within {timeout:.0f} s")
        time.sleep(0.3)


def metric_sum(host: str, name: str) -> float:
    request = urllib.request.Request(  # noqa: S310 - our own server
        f"{host}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        text = response.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name) and not line.startswith("#")
    )


# --- Locust ---


def locust_run(env: dict, config: Path, out: Path, users: int, seconds: int) -> dict:
    """One headless locust run; its stats per request kind and what it wrote."""
    results = out.with_suffix(".json")
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(BASE_DIR / "bench" / "locustfile.py"),
        "--headless",
        f"--users={users}",
        f"--spawn-rate={users}",
        f"--run-time={seconds}s",
        "--stop-timeout=30",
        f"--csv={out}",
        "--only-summary",
        "--loglevel=WARNING",
        "--host=http://127.0.0.1",  # each user picks one of the app processes
    ]
    done = subprocess.run(
        command,
        cwd=BASE_DIR,
        env={**env, "LOAD_CONFIG": str(config), "LOAD_RESULTS": str(results)},
        capture_output=True,
        text=True,
        timeout=seconds + 180,
    )
    if not results.exists():
        raise RuntimeError(f"locust did not finish:\n{done.stderr[-3000:]}")
    stats = {}
    with open(f"{out}_stats.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
            }
    failures = []
    with open(f"{out}_failures.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            failures.append(f"{row['Name']} ×{row['Occurrences']}: {row['Error'][:200]}")
    return {**json.loads(results.read_text()), "stats": stats, "failures": failures}


# --- The run ---


def run_load(
    *,
    server_url: str,
    s3: dict,
    seconds: int,
    users: int,
    reference_seconds: int = 0,
    web_processes: int = 2,
    workers: int = 2,
    fast_hasher: bool = False,
    template: str | None = None,
    demo_completed: bool = True,
    keep: bool = False,
) -> dict:
    """Everything but starting PostgreSQL and S3; a report with ``ok`` and ``problems``.

    ``template``: a migrated database on the same server to copy instead of migrating (the
    test session's; nobody may be connected to it).
    """
    tmp = Path(tempfile.mkdtemp(prefix="lqa-load-"))
    database_url = database_create(server_url, template=template)
    suffix = uuid.uuid4().hex[:8]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LQA_VAR_DIR": str(tmp / "var"),  # one set of keys for every process, as escrowed
        "DATABASE_URL": database_url,
        "S3_ENDPOINT": s3["endpoint"],
        "S3_ACCESS_KEY": s3["access_key"],
        "S3_SECRET_KEY": s3["secret_key"],
        "S3_SECURE": "0",
        "S3_ARCHIVE_BUCKET": f"lqa-load-archive-{suffix}",
        "S3_DERIVED_BUCKET": f"lqa-load-derived-{suffix}",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "0",
        "METRICS_ENABLED": "1",
        "METRICS_TOKEN": METRICS_TOKEN,
        # Signing with the session's re-entered password; lots of sign-offs from one address.
        "SIGNIN_FAILURE_LIMIT": "1000",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if fast_hasher:
        env["FAST_PASSWORD_HASHER"] = "1"
    else:
        env.pop("FAST_PASSWORD_HASHER", None)
    processes = Processes(env, tmp)
    report: dict = {"problems": [], "users": users, "seconds": seconds}
    try:
        began = time.monotonic()
        config = django_json(
            env,
            SEED,
            "migrated" if template else "migrate",
            "completed" if demo_completed else "-",
        )
        report["seed_seconds"] = round(time.monotonic() - began, 1)
        processes.start(web_processes, workers)
        report["start_seconds"] = round(time.monotonic() - began - report["seed_seconds"], 1)
        config["hosts"] = processes.hosts
        config_path = tmp / "load.json"
        entries_before = config["ledger_entries"]
        appends_before = sum(metric_sum(h, "lqa_ledger_appends_total") for h in processes.hosts)
        if reference_seconds:
            # Two users: one signer and one doing the site's work, one request at a time each.
            config_path.write_text(json.dumps({**config, "signer_users": 1}))
            report["reference"] = locust_run(
                env, config_path, tmp / "reference", 2, reference_seconds
            )
            # Take the signers' documents up where the reference left them.
            config["signers"] = django_json(env, DOCUMENTS)["signers"]
        config_path.write_text(json.dumps({**config, "signer_users": max(1, users // 4)}))
        load_average_before = os.getloadavg()[0]
        report["load"] = locust_run(env, config_path, tmp / "load", users, seconds)
        # The machine's 1-minute load average around the load: other sessions' work too.
        report["machine_load_average"] = [
            round(load_average_before, 1),
            round(os.getloadavg()[0], 1),
        ]
        report["processes"] = {"web": web_processes, "workers_each": workers, "job_workers": 1}
        appends_after = sum(metric_sum(h, "lqa_ledger_appends_total") for h in processes.hosts)
        processes.stop()
        report["logged_errors"] = processes.logged_errors()
        report["load_ended_seconds"] = round(time.monotonic() - began, 1)
        checked = django_json(env, CHECK, str(tmp / "load.json"), "commands")
        report["checks_seconds"] = round(time.monotonic() - began - report["load_ended_seconds"], 1)
        report["checks"] = checked
        report["ledger_appends_counted"] = appends_after - appends_before
        report["ledger_entries_added"] = checked["ledger"]["n"] - entries_before
        verify = checked["commands"]["verify_archive"]
        reconcile = checked["commands"]["reconcile_storage"]
        report["verify_archive"] = verify["output"].splitlines()[-1:]
        report["reconcile_storage"] = reconcile["output"].splitlines()[:1]
        problems = report["problems"]
        server_errors = report["load"]["server_errors"] + report.get("reference", {}).get(
            "server_errors", []
        )
        if server_errors:
            problems.append(f"{len(server_errors)} server errors: {server_errors[:5]}")
        if report["logged_errors"]:
            problems.append(f"errors logged: {report['logged_errors'][:5]}")
        if not verify["ok"]:
            problems.append(f"verify_archive: {verify['output'][-2000:]}")
        if not reconcile["ok"]:
            problems.append(f"reconcile_storage: {reconcile['output'][-2000:]}")
        if not checked["gap_free"]:
            problems.append(f"the ledger has gaps: {checked['ledger']}")
        if checked["missing"]:
            problems.append(f"acknowledged writes missing: {checked['missing']}")
        # Every committed entry counted by some app process (the job worker's and the
        # commands' are not scraped, and none ran during the load but the seed's).
        if report["ledger_appends_counted"] != report["ledger_entries_added"]:
            problems.append(
                f"/metrics counted {report['ledger_appends_counted']} ledger appends,"
                f" the ledger grew by {report['ledger_entries_added']}"
            )
        report["ok"] = not problems
        return report
    finally:
        processes.stop()
        if not keep:
            try:
                database_drop(server_url, database_url)
            except Exception as exc:  # noqa: BLE001 - reported, never masks the run's outcome
                print(f"(could not drop the load's database: {exc})", file=sys.stderr)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept: {tmp} and {database_url}", file=sys.stderr)


def print_report(report: dict) -> None:
    load = report["load"]["stats"]
    reference = report.get("reference", {}).get("stats", {})
    print(
        f"{report['processes']['web']} app processes × {report['processes']['workers_each']}"
        f" workers + 1 job worker; seed {report['seed_seconds']} s,"
        f" processes ready in {report['start_seconds']} s"
    )
    print(
        f"{'request kind':<18}{'requests':>9}{'failed':>8}{'req/s':>8}{'p50 ms':>9}"
        f"{'p95 ms':>9}{'ref p95':>9}{'ratio':>7}"
    )
    for name, row in sorted(load.items(), key=lambda item: item[0] == "Aggregated"):
        ref = reference.get(name, {}).get("p95_ms")
        ratio = f"{row['p95_ms'] / ref:.1f}" if ref else "-"
        print(
            f"{name:<18}{row['requests']:>9}{row['failures']:>8}{row['rps']:>8.1f}"
            f"{row['p50_ms']:>9.0f}{row['p95_ms']:>9.0f}{(ref or 0):>9.0f}{ratio:>7}"
        )
    print(
        f"{report['users']} users for {report['seconds']} s; machine load average"
        f" {report['machine_load_average'][0]} → {report['machine_load_average'][1]}"
        f" on {os.cpu_count()} cores"
    )
    for failure in report["load"]["failures"][:10]:
        print(f"  failure: {failure}")
    checks = report["checks"]
    print(f"acknowledged writes: {checks['acknowledged']}, all found: {not checks['missing']}")
    print(f"ledger: {checks['ledger']['n']} entries, gap-free: {checks['gap_free']}")
    print(f"verify_archive: {' '.join(report['verify_archive'])}")
    print(f"reconcile_storage: {' '.join(report['reconcile_storage'])}")
    print(
        f"/metrics ledger appends: {report['ledger_appends_counted']:.0f},"
        f" ledger grew by {report['ledger_entries_added']}"
    )
    print("OK" if report["ok"] else "PROBLEMS:\n  " + "\n  ".join(report["problems"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--reference-seconds", type=int, default=20)
    parser.add_argument("--web-processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--fast-hasher", action="store_true", help="MD5 passwords (tests); default: PBKDF2"
    )
    parser.add_argument("--database-url", help="a PostgreSQL server's URL (default: throwaway)")
    parser.add_argument("--json", type=Path, help="write the report here too")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    args = parser.parse_args()

    from storage.embedded import EmbeddedS3
    from tests.servers import ThrowawayPostgres

    tmp = Path(tempfile.mkdtemp(prefix="lqa-load-servers-"))
    s3 = EmbeddedS3(data_dir=tmp / "s3", access_key="lqa-load", secret_key="lqa-load-secret")
    postgres = None
    try:
        s3.start()
        server_url = args.database_url
        if not server_url:
            postgres = ThrowawayPostgres()
            server_url = postgres.start()
        report = run_load(
            server_url=server_url,
            s3={"endpoint": s3.endpoint, "access_key": s3.access_key, "secret_key": s3.secret_key},
            seconds=args.seconds,
            users=args.users,
            reference_seconds=args.reference_seconds,
            web_processes=args.web_processes,
            workers=args.workers,
            fast_hasher=args.fast_hasher,
            keep=args.keep,
        )
    except KeyboardInterrupt:
        print("Interrupted: every process the bench started is stopped.", file=sys.stderr)
        return 130
    finally:
        s3.stop()
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
