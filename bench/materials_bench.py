"""Materials at scale on PostgreSQL: the recall query and the API list endpoints.

Run: ``cd /work/main && .venv/bin/python bench/materials_bench.py [--full] [--keep DIR]``

``--keep DIR`` keeps the PostgreSQL cluster in DIR and reuses the archive built there: by an
earlier run at the same scale, or by ``bench/trace_bench.py --keep DIR`` (``--full`` is its
``--scale 1``), which adds acceptance records and the ledger around the same materials.

Starts its own throwaway PostgreSQL (tests.servers.ThrowawayPostgres), migrates and runs
``synth_archive``: by default 200 projects / 5,000 batches / 20,000 deliveries / 100,000
usages; ``--full`` builds the issue's scale (2,000 / 50,000 / 200,000 / 1,000,000). Then:

(a) a defect notice over a range of one manufacturer's batch numbers touching ~5,000 usages:
    ``notice_hits`` (every affected delivery and usage with location, people and leads)
    timed 20 times; reference: a plain indexed SELECT COUNT(*) of the same usages.
    Goal: p95 < 200 ms.
(b) the API list endpoints, page 1 and a later page, 30 requests each, through Django's
    test client as a site supervisor of every synthetic project; the number of queries is
    recorded for both pages (it must be the same). Goal: p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DEFAULT = {"projects": 200, "batches": 5_000, "deliveries": 20_000, "usages": 100_000}
FULL = {"projects": 2_000, "batches": 50_000, "deliveries": 200_000, "usages": 1_000_000}
TARGET_USAGES = 5_000


def configure(tmp: Path, database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["LQA_VAR_DIR"] = str(tmp / "var")
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def timed(fn, runs: int) -> list[float]:
    fn()  # warm the caches once
    out = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        out.append((time.perf_counter() - began) * 1000)
    return out


def synthesize(sizes: dict) -> tuple[dict, float]:
    from materials.synth import Synthesizer

    def progress(label, done, total, rate):
        if done == total or done % 50_000 == 0:
            print(f"  {label}: {done:,}/{total:,} ({rate:,.0f} rows/s)", flush=True)

    began = time.perf_counter()
    made = Synthesizer(chunk=10_000, progress=progress).run(**sizes)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return made, time.perf_counter() - began


def bench_recall(made: dict):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count

    from materials.models import Batch, Usage
    from materials.selectors import notice_hits
    from materials.services import defect_notice_issue
    from materials.synth import PRODUCTS
    from projects.models import Organization

    manufacturer = Organization.objects.get(name__endswith="生产厂家00")
    product = PRODUCTS["cable"]
    per_batch = (
        Usage.objects.filter(delivery__batch__manufacturer=manufacturer)
        .values("delivery__batch__batch_number")
        .annotate(n=Count("pk"))
        .order_by("delivery__batch__batch_number")
    )
    numbers, total = [], 0
    for row in per_batch:
        numbers.append(row["delivery__batch__batch_number"])
        total += row["n"]
        if total >= TARGET_USAGES:
            break
    admin = get_user_model().objects.get_or_create(username="bench-admin", is_staff=True)[0]
    from django.db import transaction

    with transaction.atomic():
        notice = defect_notice_issue(
            manufacturer=manufacturer,
            product=product,
            batch_number_from=numbers[0],
            batch_number_to=numbers[-1],
            source="基准测试通报",
            issued_on=datetime.date(2025, 6, 1),
            actor=admin,
        )
    rows = notice_hits(notice=notice, user=admin)
    usages = sum(1 for r in rows if r["usage_id"] is not None)
    batches = Batch.objects.filter(
        manufacturer=manufacturer, batch_number__gte=numbers[0], batch_number__lte=numbers[-1]
    ).count()
    hits_ms = timed(lambda: notice_hits(notice=notice, user=admin), 20)

    def count_reference():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM materials_usage u"
                " JOIN materials_delivery d ON d.id = u.delivery_id"
                " JOIN materials_batch b ON b.id = d.batch_id"
                " WHERE b.manufacturer_id = %s AND b.product = %s"
                " AND b.batch_number BETWEEN %s AND %s",
                [manufacturer.pk, product, numbers[0], numbers[-1]],
            )
            return cursor.fetchone()[0]

    reference_ms = timed(count_reference, 20)
    return notice, admin, batches, usages, len(rows), hits_ms, reference_ms


def bench_lists(notice, admin):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from projects.models import Project

    supervisor = get_user_model().objects.get(username="synth-supervisor")
    project = Project.objects.filter(name__startswith="[SYNTH]").order_by("pk")[7:8].get()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(supervisor)
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    staff.force_login(admin)
    endpoints = [
        (client, f"/api/v1/projects/{project.pk}/deliveries/"),
        (client, f"/api/v1/projects/{project.pk}/usages/"),
        (client, "/api/v1/batches/"),
        (client, "/api/v1/blocked-deliveries/"),
        (staff, "/api/v1/defect-notices/"),
    ]
    results = []
    for who, url in endpoints:
        queries = []
        for page in (1, 2):
            with CaptureQueriesContext(connection) as context:
                response = who.get(f"{url}?page={page}")
            queries.append(len(context.captured_queries) if response.status_code == 200 else None)
        samples = timed(lambda who=who, url=url: who.get(url), 30)
        results.append((url, p95(samples), statistics.median(samples), queries))

    def reference():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM materials_delivery WHERE project_id = %s", [project.pk]
            )
            return cursor.fetchone()[0]

    return results, timed(reference, 30), project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="the issue's full scale")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the database in DIR and reuse the archive already built there",
    )
    args = parser.parse_args()
    sizes = FULL if args.full else DEFAULT
    from tests.servers import ThrowawayPostgres

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="lqa-materials-bench-"))
    postgres = ThrowawayPostgres(keep=args.keep / "postgres" if args.keep else None)
    built = tmp / "built.json"
    try:
        configure(tmp, postgres.start())
        if built.exists():
            kept = json.loads(built.read_text())
            made, synth_seconds = kept["archive"], kept["synth_seconds"]
            if any(made[name] != size for name, size in sizes.items()):
                print(f"{tmp} holds another scale: {made}")
                return 2
            print(f"Reusing the archive built in {tmp} …", flush=True)
        else:
            print(f"Synthesizing {sizes} …", flush=True)
            made, synth_seconds = synthesize(sizes)
            if args.keep:
                built.write_text(
                    json.dumps({"archive": made, "synth_seconds": synth_seconds, "scale": None})
                )
        notice, admin, batches, usages, rows, hits_ms, ref_ms = bench_recall(made)
        lists, list_ref_ms, project = bench_lists(notice, admin)
    finally:
        postgres.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"Materials benchmark — PostgreSQL (throwaway, fsync off), {os.cpu_count()} CPU cores")
    print("-" * 78)
    print(
        f"synthetic archive: {made['projects']:,} projects, {made['batches']:,} batches,"
        f" {made['deliveries']:,} deliveries, {made['usages']:,} usages in {synth_seconds:.1f} s"
    )
    print(f"(a) recall: {batches} batches in the range, {usages:,} usages, {rows:,} rows")
    hits_p95, ref_p95 = p95(hits_ms), p95(ref_ms)
    print(f"    notice_hits p95           {hits_p95:8.1f} ms   (goal < 200 ms)")
    print(f"    notice_hits median        {statistics.median(hits_ms):8.1f} ms")
    print(f"    reference COUNT(*) p95    {ref_p95:8.1f} ms")
    print(f"    ratio hits / count        {hits_p95 / ref_p95:8.1f}")
    print("(b) API list endpoints, 30 requests each (queries on page 1 / page 2)")
    ok_lists = True
    for url, p, median, queries in lists:
        # A list with a single page has no page 2 to compare; the tests pin its count.
        constant = queries[1] is None or queries[0] == queries[1]
        ok_lists = ok_lists and p < 100 and constant
        short = url.replace(f"/projects/{project.pk}/", "/projects/<id>/")
        page2 = "-" if queries[1] is None else queries[1]
        print(
            f"    {short:40} p95 {p:6.1f} ms  median {median:6.1f} ms  queries {queries[0]}/{page2}"
        )
    list_ref = p95(list_ref_ms)
    print(f"    reference COUNT(*) of one project's deliveries p95 {list_ref:.2f} ms")
    ok = hits_p95 < 200 and ok_lists
    print("-" * 78)
    print("RESULT:", "all goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
