"""The defect trace at scale on PostgreSQL: time and queries of one trace.

Run: ``cd /work/main && .venv/bin/python bench/trace_bench.py [--scale 0.1] [--traces 200]
[--keep DIR]``

``--keep DIR`` keeps the PostgreSQL cluster (and the signing key) in DIR: the first run
builds the archive and its ledger there, later runs at the same scale start from it (a full
scale build takes several minutes). ``bench/materials_bench.py --full --keep DIR`` reuses
the same archive.

Starts its own throwaway PostgreSQL (tests.servers.ThrowawayPostgres), migrates and builds
the synthetic archive: ``materials.synth`` (at ``--scale 1``: 2,000 projects, 50,000
batches, 200,000 deliveries, 1,000,000 usages) and ``inspections.synth`` (200,000 acceptance
records with two sign-offs per inspection lot, 200,000 photo rows). Synthetic rows have no
ledger entries, so the bench then bulk-loads one correct ledger entry per row (same leaf
hashing as the ledger; content hashes are placeholders, so never run verify_archive on it),
fills the proof cache and signs a checkpoint: every traced item then carries a real
inclusion proof in a ledger of a few million entries.

Measured: ``responsibility.trace_json.defect_trace`` plus JSON rendering (what the API does after
its access check) for ``--traces`` cases at random floors, each with its usages, acceptance
records (and their chain), sign-offs, photos, leads and proofs; p50/p95 and the number of
queries of each trace (it must not vary). Reference in the same run: a plain indexed SELECT
of one location's usages. Goal: p95 < 100 ms with a constant number of queries. Then the
same cases again after the same checkpoint, their proofs from the process's proof cache.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

FULL = {"projects": 2_000, "batches": 50_000, "deliveries": 200_000, "usages": 1_000_000}
FULL_RECORDS = 200_000
FULL_PHOTOS = 200_000
BATCH = 10_000


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


def progress(label, done, total, rate):
    if done == total or done % 50_000 < 10_000:
        print(f"  {label}: {done:,}/{total:,} ({rate:,.0f} rows/s)", flush=True)


def synthesize(scale: float) -> dict:
    from inspections.synth import InspectionSynthesizer
    from materials.synth import Synthesizer

    sizes = {k: max(1, int(v * scale)) for k, v in FULL.items()}
    made = Synthesizer(chunk=BATCH, progress=progress).run(**sizes)
    made.update(
        InspectionSynthesizer(chunk=BATCH, progress=progress).run(
            records=int(FULL_RECORDS * scale), photos=int(FULL_PHOTOS * scale)
        )
    )
    return made


def load_ledger() -> int:
    """One ledger entry per synthetic row a trace names, with correct leaf hashes."""
    from django.db import connection

    from inspections.models import AcceptanceRecord, Photo, SignOff
    from ledger import merkle
    from ledger.canonical import canonical_json, record_type
    from ledger.models import LedgerEntry, LedgerHead, build_leaf_data
    from materials.models import Batch, Delivery, Usage
    from projects.models import LeadTenure, Location, Project, UnitWork
    from storage.models import StoredObject

    head = LedgerHead.objects.get(pk=1)
    tree = merkle.TreeBuilder()
    existing = list(LedgerEntry.objects.order_by("index").values_list("leaf_hash", flat=True))
    for leaf in existing:
        tree.append(bytes.fromhex(leaf))
    index = head.size
    assert index == len(existing)
    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    models = [
        Project,
        UnitWork,
        Location,
        LeadTenure,
        Batch,
        Delivery,
        Usage,
        AcceptanceRecord,
        SignOff,
        Photo,
        StoredObject,
    ]
    began = time.perf_counter()
    for model in models:
        kind = record_type(model)
        batch = []
        ids = model.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=BATCH)
        for pk in ids:
            fields = {
                "index": index,
                "record_type": kind,
                "record_id": str(pk),
                "action": "create",
                "content_hash": f"{index:064x}",
                "actor": "synth",
                "actor_id": None,
                "recorded_at": moment + datetime.timedelta(milliseconds=index),
            }
            leaf = merkle.leaf_hash(canonical_json(build_leaf_data(**fields)))
            tree.append(leaf)
            batch.append(LedgerEntry(leaf_hash=leaf.hex(), **fields))
            index += 1
            if len(batch) == BATCH:
                LedgerEntry.objects.bulk_create(batch)
                batch = []
                if index % 200_000 < BATCH:
                    rate = (index - head.size) / (time.perf_counter() - began)
                    print(f"  ledger entries: {index:,} ({rate:,.0f}/s)", flush=True)
        LedgerEntry.objects.bulk_create(batch)
    LedgerHead.objects.filter(pk=1).update(size=index, frontier=[h.hex() for h in tree.frontier])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return index


def ledger_items(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("ledger", "evidence_ledger") and value is not None:
                yield value
            else:
                yield from ledger_items(value)
    elif isinstance(node, list):
        for value in node:
            yield from ledger_items(value)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def bench(traces: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.renderers import JSONRenderer

    from ledger.proofs import proof_cache
    from ledger.selectors import inclusion_proofs
    from materials.models import Usage
    from projects.models import Location
    from responsibility.models import DefectCase
    from responsibility.trace import trace_collect
    from responsibility.trace_json import defect_trace

    user = get_user_model().objects.get_or_create(username="bench-regulator")[0]
    run = timezone.now().strftime("%Y%m%d%H%M%S")  # a kept archive gets new cases each run
    with_usages = list(
        Usage.objects.order_by().values_list("location_id", flat=True).distinct()[:50_000]
    )
    chosen = random.Random(11).sample(with_usages, min(traces, len(with_usages)))
    locations = Location.objects.select_related("unit_work__project").in_bulk(chosen)
    cases = DefectCase.objects.bulk_create(
        DefectCase(
            number=f"SYNTH-{run}-{n:06d}",
            project=locations[pk].unit_work.project,
            unit_work=locations[pk].unit_work,
            location=locations[pk],
            discovered_on=datetime.date(2026, 3, 1),
            description="[SYNTH] 基准测试",
            category=DefectCase.Category.STRUCTURE,
            trigger=DefectCase.Trigger.OTHER,
            opened_by=user,
            opened_at=timezone.now(),
        )
        for n, pk in enumerate(chosen)
    )
    cases = list(
        DefectCase.objects.filter(pk__in=[c.pk for c in cases]).select_related(
            "project", "unit_work", "location"
        )
    )

    def link(obj):
        return f"/files/{obj.pk}/"

    renderer = JSONRenderer()
    defect_trace(cases[0], file_link=link)  # warm: the first trace may sign a checkpoint
    proof_cache.clear()  # and its proofs would make the first measured trace a cached one
    timings, queries, sizes, collect_ms, proofs_ms = [], [], [], [], []
    shapes: dict[int, list[str]] = {}
    for case in cases:
        began = time.perf_counter()
        with CaptureQueriesContext(connection) as context:
            trace = defect_trace(case, file_link=link)
            body = renderer.render(trace)
        timings.append((time.perf_counter() - began) * 1000)
        queries.append(len(context.captured_queries))
        shapes.setdefault(len(context.captured_queries), [q["sql"][:70] for q in context])
        # The parts: reading the rows, and the batch of proofs for the trace's entries.
        began = time.perf_counter()
        trace_collect(case)
        collect_ms.append((time.perf_counter() - began) * 1000)
        indexes = [item["index"] for item in ledger_items(trace)]
        began = time.perf_counter()
        inclusion_proofs(indexes, trace["checkpoint"]["tree_size"])
        proofs_ms.append((time.perf_counter() - began) * 1000)
        sizes.append(
            (
                len(trace["material_usages"]),
                len(trace["acceptance_records"]),
                sum(len(r["photos"]) for r in trace["acceptance_records"]),
                len(body),
            )
        )

    # The same cases again, after the same checkpoint: their proofs come from the
    # process's proof cache (``ledger.proofs.proof_cache``), the rows are read again.
    again = []
    for case in cases:
        began = time.perf_counter()
        renderer.render(defect_trace(case, file_link=link))
        again.append((time.perf_counter() - began) * 1000)

    def reference(location_id):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, delivery_id, quantity, used_on FROM materials_usage"
                " WHERE location_id = %s",
                [location_id],
            )
            return cursor.fetchall()

    reference_ms = []
    for pk in chosen:
        began = time.perf_counter()
        reference(pk)
        reference_ms.append((time.perf_counter() - began) * 1000)
    if len(shapes) > 1:
        low, high = shapes[min(shapes)], shapes[max(shapes)]
        print("query count varies; the extra queries:", [q for q in high if q not in low])
    return {
        "timings": timings,
        "again": again,
        "collect": collect_ms,
        "proofs": proofs_ms,
        "queries": queries,
        "sizes": sizes,
        "reference": reference_ms,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.1, help="1 = the issue's full size")
    parser.add_argument("--traces", type=int, default=200)
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep the database in DIR and reuse the archive already built there",
    )
    args = parser.parse_args()
    from tests.servers import ThrowawayPostgres

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="lqa-trace-bench-"))
    postgres = ThrowawayPostgres(keep=args.keep / "postgres" if args.keep else None)
    built = tmp / "built.json"
    try:
        configure(tmp, postgres.start())
        if built.exists():
            made = json.loads(built.read_text())
            if made["scale"] != args.scale:
                print(f"{tmp} holds an archive at scale {made['scale']}, not {args.scale}")
                return 2
            print(f"Reusing the archive built in {tmp} …", flush=True)
        else:
            print(f"Synthesizing at scale {args.scale} …", flush=True)
            began = time.perf_counter()
            made = {"archive": synthesize(args.scale), "scale": args.scale}
            made["synth_seconds"] = time.perf_counter() - began
            print("Loading ledger entries for the synthetic rows …", flush=True)
            began = time.perf_counter()
            made["entries"] = entries = load_ledger()
            from ledger.selectors import node_cache_fill
            from ledger.services import checkpoint_create

            node_cache_fill(entries)
            checkpoint_create()
            made["ledger_seconds"] = time.perf_counter() - began
            if args.keep:
                built.write_text(json.dumps(made))
        print(f"Tracing {args.traces} cases …", flush=True)
        result = bench(args.traces)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        return 130
    finally:
        postgres.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    timings, queries, sizes = result["timings"], result["queries"], result["sizes"]
    ref_p50 = statistics.median(result["reference"])
    usages = [s[0] for s in sizes]
    records = [s[1] for s in sizes]
    photos = [s[2] for s in sizes]
    print()
    print(f"Trace benchmark — PostgreSQL (throwaway, fsync off), {os.cpu_count()} CPU cores")
    print(f"archive: {made['archive']} (built in {made['synth_seconds']:.1f} s)")
    print(
        f"ledger: {made['entries']:,} entries, proof cache filled,"
        f" in {made['ledger_seconds']:.1f} s"
    )
    print(
        f"per trace: usages {min(usages)}–{max(usages)} (mean {statistics.mean(usages):.0f}),"
        f" acceptance records {min(records)}–{max(records)},"
        f" photos {min(photos)}–{max(photos)},"
        f" JSON {statistics.mean(s[3] for s in sizes) / 1024:.0f} KiB"
    )
    print(
        f"trace + JSON, {len(timings)} traces: p50 {statistics.median(timings):.1f} ms,"
        f" p95 {p95(timings):.1f} ms; queries per trace {min(queries)}–{max(queries)}"
    )
    print(
        f"  of which reading the rows: p50 {statistics.median(result['collect']):.1f}"
        f" ms; the batch of inclusion proofs: p50 {statistics.median(result['proofs']):.1f} ms,"
        f" p95 {p95(result['proofs']):.1f} ms"
    )
    print(
        "the same cases again (proofs from the cache):"
        f" p50 {statistics.median(result['again']):.1f} ms, p95 {p95(result['again']):.1f} ms"
    )
    print(
        f"reference (indexed SELECT of one location's usages): p50 {ref_p50:.2f} ms;"
        f" ratio p95/reference {p95(timings) / ref_p50:.0f}"
    )
    goal = p95(timings) < 100 and min(queries) == max(queries)
    print(f"goal p95 < 100 ms with a constant number of queries: {'met' if goal else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
