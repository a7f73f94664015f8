"""Throughput of storage.gateway against the raw MinIO SDK client on the same server.

Run: ``cd /work/main && .venv/bin/python bench/storage_bench.py [iterations]``

Starts its own embedded SeaweedFS on a temporary directory, puts and gets 1 MiB and 5 MiB
objects through the gateway and through a plain ``Minio`` client (the SDK's own defaults),
interleaved and alternating which goes first, and prints median and p95 throughput and the
gateway/raw ratio. The goal is a ratio of at least 0.9 for every row.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

MiB = 1024 * 1024
SIZES = [1 * MiB, 5 * MiB]
WARMUP = 3


def configure(tmp: Path, endpoint: str, access_key: str, secret_key: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["LQA_VAR_DIR"] = str(tmp / "var")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["S3_ENDPOINT"] = endpoint
    os.environ["S3_ACCESS_KEY"] = access_key
    os.environ["S3_SECRET_KEY"] = secret_key
    os.environ["S3_SECURE"] = "0"
    import django

    django.setup()


def timed(action: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(size: int, seconds: list[float]) -> tuple[float, float]:
    """Median MB/s, and the MB/s at the 95th-percentile time (95 % of runs were faster)."""
    return size / MiB / statistics.median(seconds), size / MiB / percentile(seconds, 0.95)


def main() -> int:
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    tmp = Path(tempfile.mkdtemp(prefix="lqa-bench-"))
    from storage.embedded import EmbeddedS3

    server = EmbeddedS3(
        data_dir=tmp / "s3", access_key="bench", secret_key=secrets.token_urlsafe(24)
    )
    server.start()
    try:
        configure(tmp, server.endpoint, server.access_key, server.secret_key)
        return run(server, iterations)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def run(server, iterations: int) -> int:
    from django.conf import settings
    from minio import Minio  # the raw SDK, for comparison only

    from storage import gateway

    gateway.buckets_ensure()
    bucket = settings.S3_DERIVED_BUCKET
    raw = Minio(
        server.endpoint,
        access_key=server.access_key,
        secret_key=server.secret_key,
        secure=False,
        region=settings.S3_REGION,
    )

    def gateway_put(key: str, data: bytes) -> None:
        gateway.put(bucket, key, data=io.BytesIO(data), length=len(data), content_type="image/jpeg")

    def raw_put(key: str, data: bytes) -> None:
        raw.put_object(bucket, key, io.BytesIO(data), len(data), content_type="image/jpeg")

    def gateway_get(key: str, size: int) -> None:
        with gateway.get(bucket, key) as stream:
            got = sum(len(chunk) for chunk in stream)
        assert got == size

    def raw_get(key: str, size: int) -> None:
        response = raw.get_object(bucket, key)
        try:
            got = len(response.read())
        finally:
            response.close()
            response.release_conn()
        assert got == size

    rows = []
    for size in SIZES:
        data = os.urandom(size)
        keys = {"gateway": f"bench/gateway/{size}", "raw": f"bench/raw/{size}"}
        puts = {
            "gateway": partial(gateway_put, keys["gateway"], data),
            "raw": partial(raw_put, keys["raw"], data),
        }
        gets = {
            "gateway": partial(gateway_get, keys["gateway"], size),
            "raw": partial(raw_get, keys["raw"], size),
        }
        for verb, actions in (("put", puts), ("get", gets)):
            seconds: dict[str, list[float]] = {"gateway": [], "raw": []}
            for i in range(WARMUP + iterations):
                order = ["gateway", "raw"] if i % 2 == 0 else ["raw", "gateway"]
                for who in order:
                    elapsed = timed(actions[who])
                    if i >= WARMUP:
                        seconds[who].append(elapsed)
            gw_median, gw_p95 = summary(size, seconds["gateway"])
            raw_median, raw_p95 = summary(size, seconds["raw"])
            rows.append((verb, size, gw_median, raw_median, gw_p95, raw_p95))

    print()
    print(f"storage gateway vs raw MinIO SDK — SeaweedFS at {server.endpoint}, loopback,")
    print(f"{iterations} interleaved iterations per row after {WARMUP} warm-up;")
    print("MB/s = MiB/s; p95 = throughput at the 95th-percentile time (95 % of runs faster).")
    print()
    header = (
        f"{'op':<4} {'size':>6} | {'gateway median':>14} {'raw median':>10} {'ratio':>6}"
        f" | {'gateway p95':>11} {'raw p95':>8} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    worst = float("inf")
    for verb, size, gw_median, raw_median, gw_p95, raw_p95 in rows:
        median_ratio, p95_ratio = gw_median / raw_median, gw_p95 / raw_p95
        worst = min(worst, median_ratio)
        print(
            f"{verb:<4} {size // MiB:>4}MB | {gw_median:>14.1f} {raw_median:>10.1f}"
            f" {median_ratio:>5.2f}x | {gw_p95:>11.1f} {raw_p95:>8.1f} {p95_ratio:>5.2f}x"
        )
    print()
    verdict = "met" if worst >= 0.9 else "NOT met"
    print(f"goal gateway/raw >= 0.90x on the median: {verdict} (worst {worst:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
