"""Ledger throughput on PostgreSQL: concurrent appends, and verifying 100,000 entries.

Run: ``cd /work/main && .venv/bin/python bench/ledger_bench.py [entries_to_verify] [--no-appends]``

Starts its own throwaway PostgreSQL (tests.servers.ThrowawayPostgres), migrates, then:

(a) 4 writer processes append ledger entries, each append in its own transaction, for
    a fixed number of appends each; reference: the same 4 processes inserting an
    equivalent row with one plain INSERT per transaction, without the ledger lock.
    Goal: at least 1,000 appends/s.
(b) bulk-loads 100,000 entries with correct leaf hashes (built with the same functions the
    ledger uses), signs a checkpoint and times ``verify_archive``; reference: streaming the
    same rows out of the database. Goal: under 10 s for 100,000; under 60 s for 1,000,000.
(c) inclusion proofs in that tree: filling the proof cache (``ledger_checkpoint`` does it),
    then the p50/p95 of one proof for a random entry; reference: the same proof hashed from
    every leaf it covers (how proofs were made before the cache).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

WRITERS = 4
APPENDS_PER_WRITER = 1500
BATCH = 5000


def configure(tmp: Path, database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["LQA_VAR_DIR"] = str(tmp / "var")
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _writer(kind: str, number: int, start, results) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from ledger.canonical import record_hash
    from ledger.services import ledger_append

    user = get_user_model().objects.get(username=f"writer{number}")
    start.wait()
    began = time.perf_counter()
    for n in range(APPENDS_PER_WRITER):
        with transaction.atomic():
            if kind == "ledger":
                ledger_append(record=user, action="event", actor=user)
            else:
                # The same row as one plain INSERT, with an index no other writer uses and
                # no head to lock.
                with connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO ledger_ledgerentry (index, record_type, record_id, action,"
                        " content_hash, actor_id, actor, recorded_at, leaf_hash)"
                        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        [
                            10**9 * (number + 1) + n,
                            "auth.user",
                            str(user.pk),
                            "event",
                            record_hash(user),
                            user.pk,
                            user.username,
                            timezone.now(),
                            "0" * 64,
                        ],
                    )
    results.put((began, time.perf_counter()))
    connection.close()


def concurrent_rate(kind: str) -> float:
    from django.db import connections

    connections.close_all()  # children must not share the parent's socket
    context = multiprocessing.get_context("fork")
    start = context.Event()
    results = context.Queue()
    workers = [
        context.Process(target=_writer, args=(kind, n, start, results)) for n in range(WRITERS)
    ]
    for worker in workers:
        worker.start()
    time.sleep(1)  # let every child connect and load its user before the clock starts
    start.set()
    spans = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = max(end for _, end in spans) - min(began for began, _ in spans)
    return WRITERS * APPENDS_PER_WRITER / elapsed


def reset_ledger() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE ledger_ledgerentry, ledger_checkpoint, ledger_ledgernode")
        cursor.execute("UPDATE ledger_ledgerhead SET size = 0, frontier = '[]'")


def bench_appends() -> tuple[float, float, int]:
    from django.contrib.auth import get_user_model

    from ledger.models import LedgerEntry
    from ledger.verify import verify_archive

    for n in range(WRITERS):
        get_user_model().objects.create_user(username=f"writer{n}")
    raw = concurrent_rate("raw")
    reset_ledger()
    ledger = concurrent_rate("ledger")
    indexes = list(LedgerEntry.objects.values_list("index", flat=True))
    assert indexes == list(range(WRITERS * APPENDS_PER_WRITER)), "gaps or duplicates"
    findings = verify_archive()
    reset_ledger()
    return ledger, raw, len(findings)


def load_entries(count: int) -> None:
    import datetime

    from ledger import merkle
    from ledger.canonical import canonical_json
    from ledger.models import LedgerEntry, LedgerHead, build_leaf_data

    tree = merkle.TreeBuilder()
    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    batch: list[LedgerEntry] = []
    for index in range(count):
        fields = {
            "index": index,
            "record_type": "bench.record",
            "record_id": str(index // 3),
            "action": "create" if index % 3 == 0 else "update",
            "content_hash": f"{index:064x}",
            "actor": "bench",
            "actor_id": 1,
            "recorded_at": moment + datetime.timedelta(milliseconds=index),
        }
        leaf = merkle.leaf_hash(canonical_json(build_leaf_data(**fields)))
        tree.append(leaf)
        batch.append(LedgerEntry(leaf_hash=leaf.hex(), **fields))
        if len(batch) == BATCH:
            LedgerEntry.objects.bulk_create(batch)
            batch = []
    LedgerEntry.objects.bulk_create(batch)
    LedgerHead.objects.filter(pk=1).update(size=count, frontier=[h.hex() for h in tree.frontier])


def bench_verify(count: int) -> tuple[float, float, float, int]:
    from django.db import connection

    from ledger.models import LEAF_FIELDS, LedgerEntry
    from ledger.services import checkpoint_create
    from ledger.verify import verify_archive

    began = time.perf_counter()
    load_entries(count)
    load_seconds = time.perf_counter() - began
    checkpoint_create()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE ledger_ledgerentry")

    began = time.perf_counter()
    streamed = sum(
        1
        for _ in LedgerEntry.objects.order_by("index")
        .values_list(*LEAF_FIELDS, "leaf_hash")
        .iterator(chunk_size=5000)
    )
    stream_seconds = time.perf_counter() - began
    assert streamed == count

    began = time.perf_counter()
    findings = verify_archive()
    verify_seconds = time.perf_counter() - began
    return load_seconds, stream_seconds, verify_seconds, len(findings)


def bench_proofs(count: int, samples: int = 200) -> tuple:
    import random

    from ledger import merkle, selectors
    from ledger.models import LedgerEntry

    began = time.perf_counter()
    selectors.node_cache_fill(count)
    fill_seconds = time.perf_counter() - began

    chosen = random.Random(7).sample(range(count), samples)
    timings = []
    for index in chosen:
        began = time.perf_counter()
        selectors.inclusion_proof(index, count)
        timings.append(time.perf_counter() - began)
    timings.sort()
    p50, p95 = timings[len(timings) // 2], timings[int(len(timings) * 0.95)]

    # Reference: the uncached way, every range hashed from its leaves (a few proofs only).
    index = chosen[0]
    began = time.perf_counter()
    uncached = [
        selectors.merkle.root_from_leaves(selectors.leaf_hashes(a, b))
        for a, b in merkle.inclusion_ranges(index, count)
    ]
    uncached_seconds = time.perf_counter() - began
    leaf = bytes.fromhex(LedgerEntry.objects.get(index=index).leaf_hash)
    root = selectors.tree_root(count)
    same = uncached == selectors.inclusion_proof(index, count) and merkle.verify_inclusion(
        leaf, index, count, uncached, root
    )
    from ledger.verify import verify_archive

    began = time.perf_counter()
    clean = verify_archive() == []
    verify_cached_seconds = time.perf_counter() - began
    return fill_seconds, p50, p95, uncached_seconds, same and clean, verify_cached_seconds


def main() -> int:
    args = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    count = int(args[0]) if args else 100_000
    appends = "--no-appends" not in sys.argv
    verify_goal = 60 if count >= 1_000_000 else 10
    from tests.servers import ThrowawayPostgres

    tmp = Path(tempfile.mkdtemp(prefix="lqa-ledger-bench-"))
    postgres = ThrowawayPostgres()
    try:
        configure(tmp, postgres.start())
        ledger_rate, raw_rate, append_findings = bench_appends() if appends else (0, 1, 0)
        load_seconds, stream_seconds, verify_seconds, verify_findings = bench_verify(count)
        fill_seconds, p50, p95, uncached_seconds, proofs_agree, verify_cached_seconds = (
            bench_proofs(count)
        )
    finally:
        postgres.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    cores = os.cpu_count()
    print()
    print(f"Ledger benchmark — PostgreSQL (throwaway, fsync off), {cores} CPU cores")
    print("-" * 72)
    if appends:
        each = f"{WRITERS} writer processes x {APPENDS_PER_WRITER} appends"
        print(f"(a) {each}, one transaction each")
        print(f"    ledger_append             {ledger_rate:10,.0f} entries/s   (goal >= 1,000)")
        print(f"    raw INSERT, no ledger lock {raw_rate:9,.0f} rows/s")
        print(f"    ratio ledger / raw        {ledger_rate / raw_rate:10.2f}")
        print(f"    verify_archive findings afterwards: {append_findings} (expected 0)")
    print(f"(b) verify {count:,} entries (bulk-loaded in {load_seconds:.1f} s)")
    print(f"    verify_archive            {verify_seconds:10.2f} s        (goal < {verify_goal} s)")
    print(f"    rate                      {count / verify_seconds:10,.0f} entries/s")
    print(f"    reference: stream rows    {stream_seconds:10.2f} s")
    print(f"    ratio verify / stream     {verify_seconds / stream_seconds:10.2f}")
    print(f"    findings: {verify_findings} (expected 0)")
    print(f"(c) inclusion proofs in the tree of {count:,}")
    print(f"    fill the proof cache      {fill_seconds:10.2f} s")
    print(f"    one proof, cached   p50   {p50 * 1000:10.2f} ms")
    print(f"                        p95   {p95 * 1000:10.2f} ms")
    print(f"    reference: from leaves    {uncached_seconds * 1000:10.2f} ms")
    print(f"    ratio from leaves / p95   {uncached_seconds / p95:10.0f}")
    print(f"    cached proof == proof from leaves, and verifies: {proofs_agree}")
    print(f"    verify_archive, cache included {verify_cached_seconds:9.2f} s")
    ok = (
        (ledger_rate >= 1000 or not appends)
        and verify_seconds < verify_goal
        and verify_cached_seconds < verify_goal
        and append_findings == 0
        and verify_findings == 0
        and proofs_agree
    )
    print("-" * 72)
    print("RESULT:", "all goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
