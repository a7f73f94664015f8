"""Ledger throughput on PostgreSQL: concurrent ledgered writes, and verifying 100,000 entries.

Run: ``cd /work/main && .venv/bin/python bench/ledger_bench.py [entries_to_verify]
[--no-appends] [--appends-only] [--writers N] [--writes N]``

Starts its own throwaway PostgreSQL (tests.servers.ThrowawayPostgres), migrates, then:

(a) 8 writer processes each write a fixed number of ledger entries, each in its own
    transaction, three ways:
    - raw INSERT (the reference): an equivalent row with one plain INSERT per transaction,
      no ledger at all;
    - deferred (``LEDGER_SEQUENCING = "deferred"``, the PostgreSQL default): ``ledger_append``
      inserts the entry unsequenced, while a 9th process runs the sequencer loop
      (``ledger.sequencer``, as the job worker does) with its production settings;
    - inline (the SQLite default, and everything before issue 18): ``ledger_append`` takes
      the next index under the head row lock, held until the writer commits.
    Printed: writes/s, ratio to raw, p50/p95 of one write (its transaction, commit included),
    and for deferred the sequencing lag: from a write's commit to the commit of the
    sequencer's batch that indexed it. Goals (issue 18): deferred >= 5,000 writes/s, its p95
    <= 1.5 x the raw INSERT p95, lag p95 < 1 s; afterwards no gaps and verify_archive clean.
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
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

WRITERS = 8
WRITES_PER_WRITER = 2500
BATCH = 5000


def configure(tmp: Path, database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["LQA_VAR_DIR"] = str(tmp / "var")
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _writer(kind: str, number: int, writes: int, start, results) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from ledger.canonical import record_hash
    from ledger.services import ledger_append

    settings.LEDGER_SEQUENCING = kind if kind != "raw" else "inline"
    user = get_user_model().objects.get(username=f"writer{number}")
    latencies: list[float] = []
    commits: list[tuple[int, float]] = []  # (entry id, wall-clock time of its commit)
    start.wait()
    began = time.perf_counter()
    for n in range(writes):
        t0 = time.perf_counter()
        with transaction.atomic():
            if kind == "raw":
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
                entry = None
            else:
                entry = ledger_append(record=user, action="event", actor=user)
        latencies.append(time.perf_counter() - t0)
        if entry is not None:
            commits.append((entry.pk, time.time()))
    results.put((began, time.perf_counter(), latencies, commits))
    connection.close()


def _sequencer(ready, stop, marks) -> None:
    """The sequencer loop of ``ledger.sequencer.run``, noting when each batch committed and
    how many entries were sequenced by then."""
    from django.conf import settings
    from django.db import connection

    from ledger.sequencer import sequence_pending

    interval = settings.LEDGER_SEQUENCER_INTERVAL_MS / 1000
    batch = settings.LEDGER_SEQUENCER_BATCH
    done = count = 0
    sequenced: list[tuple[int, float]] = []
    ready.set()
    while not stop.is_set():
        count = sequence_pending(batch, probe=not count)
        if count:
            done += count
            sequenced.append((done, time.time()))
        if count < batch:
            stop.wait(interval)
    marks.put(sequenced)
    connection.close()


@dataclass
class Run:
    rate: float
    p50: float
    p95: float
    lag_p50: float = 0.0
    lag_p95: float = 0.0
    lag_max: float = 0.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def concurrent_run(kind: str, writers: int, writes: int) -> Run:
    from django.db import connections

    from ledger.models import LedgerEntry

    connections.close_all()  # children must not share the parent's socket
    context = multiprocessing.get_context("fork")
    start, stop, ready = context.Event(), context.Event(), context.Event()
    results, marks = context.Queue(), context.Queue()
    sequencer = None
    if kind == "deferred":
        sequencer = context.Process(target=_sequencer, args=(ready, stop, marks))
        sequencer.start()
        ready.wait()
    workers = [
        context.Process(target=_writer, args=(kind, n, writes, start, results))
        for n in range(writers)
    ]
    for worker in workers:
        worker.start()
    time.sleep(1)  # let every child connect and load its user before the clock starts
    start.set()
    outcomes = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = max(o[1] for o in outcomes) - min(o[0] for o in outcomes)
    latencies = [latency for o in outcomes for latency in o[2]]
    run = Run(
        rate=writers * writes / elapsed,
        p50=_percentile(latencies, 0.5),
        p95=_percentile(latencies, 0.95),
    )
    if sequencer is not None:
        deadline = time.monotonic() + 60
        while LedgerEntry.objects.filter(index__isnull=True).exists():
            if time.monotonic() > deadline:
                raise SystemExit("the sequencer did not catch up within 60 s")
            time.sleep(0.05)
        stop.set()
        sequenced = marks.get()
        sequencer.join()
        index_of = dict(LedgerEntry.objects.values_list("id", "index"))
        lags = []
        at = 0
        committed = sorted((index_of[pk], moment) for o in outcomes for pk, moment in o[3])
        for index, moment in committed:
            while sequenced[at][0] <= index:
                at += 1
            lags.append(max(0.0, sequenced[at][1] - moment))
        run.lag_p50 = _percentile(lags, 0.5)
        run.lag_p95 = _percentile(lags, 0.95)
        run.lag_max = max(lags)
        connections.close_all()
    return run


def reset_ledger() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE ledger_ledgerentry, ledger_cosignature, ledger_checkpoint, ledger_ledgernode"
        )
        cursor.execute("UPDATE ledger_ledgerhead SET size = 0, frontier = '[]'")


def bench_appends(writers: int, writes: int) -> tuple[dict[str, Run], int]:
    """Raw, deferred and inline runs on an emptied ledger each; checks every ledgered run
    for gaps and with verify_archive. Returns the runs and the findings."""
    from django.contrib.auth import get_user_model

    from ledger.models import LedgerEntry
    from ledger.verify import verify_archive

    for n in range(writers):
        get_user_model().objects.create_user(username=f"writer{n}")
    runs: dict[str, Run] = {}
    findings = 0
    for kind in ("raw", "deferred", "inline"):
        reset_ledger()
        runs[kind] = concurrent_run(kind, writers, writes)
        if kind != "raw":
            indexes = list(LedgerEntry.objects.order_by("index").values_list("index", flat=True))
            assert indexes == list(range(writers * writes)), f"{kind}: gaps or duplicates"
            findings += len(verify_archive())
    reset_ledger()
    return runs, findings


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


def _option(name: str, default: int) -> int:
    if name in sys.argv:
        return int(sys.argv[sys.argv.index(name) + 1])
    return default


def print_appends(runs: dict[str, Run], writers: int, writes: int, findings: int) -> bool:
    raw, deferred, inline = runs["raw"], runs["deferred"], runs["inline"]
    ms = 1000
    print(f"(a) {writers} writer processes x {writes:,} writes, one transaction each")
    print("                                writes/s   ratio/raw   p50 ms   p95 ms")
    for name, run in (("raw INSERT, no ledger", raw), ("deferred", deferred), ("inline", inline)):
        print(
            f"    {name:<24} {run.rate:10,.0f} {run.rate / raw.rate:10.2f}"
            f" {run.p50 * ms:8.2f} {run.p95 * ms:8.2f}"
        )
    print(f"    deferred: p95 / raw p95        {deferred.p95 / raw.p95:6.2f}   (goal <= 1.5)")
    print(f"    deferred: writes/s             {deferred.rate:6,.0f}   (goal >= 5,000)")
    print(
        f"    sequencing lag p50 / p95 / max {deferred.lag_p50 * ms:.0f} /"
        f" {deferred.lag_p95 * ms:.0f} / {deferred.lag_max * ms:.0f} ms   (goal p95 < 1,000 ms)"
    )
    print(f"    no gaps; verify_archive findings afterwards: {findings} (expected 0)")
    return (
        deferred.rate >= 5000
        and deferred.p95 <= 1.5 * raw.p95
        and deferred.lag_p95 < 1.0
        and findings == 0
    )


def main() -> int:
    writers = _option("--writers", WRITERS)
    writes = _option("--writes", WRITES_PER_WRITER)
    args, argv = [], iter(sys.argv[1:])
    for arg in argv:
        if arg in ("--writers", "--writes"):
            next(argv)  # the option's value
        elif not arg.startswith("--"):
            args.append(arg)
    count = int(args[0]) if args else 100_000
    appends = "--no-appends" not in sys.argv
    rest = "--appends-only" not in sys.argv
    verify_goal = 60 if count >= 1_000_000 else 10
    from tests.servers import ThrowawayPostgres

    tmp = Path(tempfile.mkdtemp(prefix="lqa-ledger-bench-"))
    postgres = ThrowawayPostgres()
    try:
        configure(tmp, postgres.start())
        if appends:
            runs, append_findings = bench_appends(writers, writes)
        if rest:
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
    ok = True
    if appends:
        ok = print_appends(runs, writers, writes, append_findings) and ok
    if rest:
        print(f"(b) verify {count:,} entries (bulk-loaded in {load_seconds:.1f} s)")
        print(
            f"    verify_archive            {verify_seconds:10.2f} s"
            f"        (goal < {verify_goal} s)"
        )
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
            ok
            and verify_seconds < verify_goal
            and verify_cached_seconds < verify_goal
            and verify_findings == 0
            and proofs_agree
        )
    print("-" * 72)
    print("RESULT:", "all goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
