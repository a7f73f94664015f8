"""Fixity audit throughput against a raw MinIO SDK get + hashlib of the same objects.

Run: ``cd /work/main && .venv/bin/python bench/fixity_bench.py [objects] [megabytes]``

Starts its own SeaweedFS (storage.embedded) and an SQLite database, stores ``objects``
distinct random files of ``megabytes`` MB each in the derived bucket with their rows
(this measures the audit, not the upload), then, interleaved over three rounds:
(a) ``audit_fixity``'s loop (``storage.fixity.run_audit``: read back by version, SHA-256,
compare, record the run and its ledger entries); (b) the reference: the raw SDK's
``get_object`` of every object, hashed with hashlib. Prints MB/s of both and the ratio.
Goal: ≥ 0.8×.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.storage_bench import configure  # noqa: E402 - the same throwaway set-up


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    megabytes = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    tmp = Path(tempfile.mkdtemp(prefix="lqa-fixity-bench-"))
    from storage.embedded import EmbeddedS3

    server = EmbeddedS3(
        data_dir=tmp / "s3", access_key="bench", secret_key=secrets.token_urlsafe(24)
    )
    server.start()
    try:
        configure(tmp, server.endpoint, server.access_key, server.secret_key)
        return run(server, count, megabytes)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def run(server, count: int, megabytes: int) -> int:
    import io

    from django.conf import settings
    from django.core.management import call_command
    from minio import Minio  # the raw SDK, for the reference only

    from storage import gateway
    from storage.fixity import run_audit, run_start
    from storage.models import StoredObject
    from storage.services import object_key

    call_command("migrate", "--no-input", "-v", "0")
    gateway.buckets_ensure()
    size = megabytes * 1024 * 1024
    # Random bytes are no file type object_store accepts: put them through the gateway and
    # record rows as object_store would, without its decoding (not what is measured here).
    bucket = settings.S3_DERIVED_BUCKET
    for _n in range(count):
        data = os.urandom(size)
        sha256 = hashlib.sha256(data).hexdigest()
        put = gateway.put(
            bucket,
            object_key(sha256),
            data=io.BytesIO(data),
            length=size,
            content_type="application/octet-stream",
        )
        StoredObject.objects.create(
            sha256=sha256,
            size=size,
            content_type="application/octet-stream",
            bucket=bucket,
            key=put.key,
            version_id=put.version_id or "",
        )
    objects = list(StoredObject.objects.order_by("pk"))
    total_mb = sum(o.size for o in objects) / 1e6
    raw = Minio(
        server.endpoint,
        access_key=server.access_key,
        secret_key=server.secret_key,
        secure=False,
        region=settings.S3_REGION,
    )

    def reference() -> None:
        for obj in objects:
            response = raw.get_object(obj.bucket, obj.key, version_id=obj.version_id or None)
            digest = hashlib.sha256()
            for chunk in response.stream(1024 * 1024):
                digest.update(chunk)
            response.close()
            response.release_conn()
            assert digest.hexdigest() == obj.sha256

    def audit() -> None:
        run = run_audit(run_start())
        assert run.checked == len(objects), run
        assert run.problems == 0, run

    audits, raws = [], []
    for _round in range(3):
        for action, results in ((audit, audits), (reference, raws)):
            began = time.perf_counter()
            action()
            results.append(total_mb / (time.perf_counter() - began))
    audit_rate, raw_rate = statistics.median(audits), statistics.median(raws)
    ratio = audit_rate / raw_rate
    print()
    print(f"Fixity audit benchmark — {count} objects of {megabytes} MB, {os.cpu_count()} cores")
    print("-" * 72)
    print(f"    audit_fixity (run_audit)   {audit_rate:8.1f} MB/s   (median of 3)")
    print(f"    raw SDK get + SHA-256      {raw_rate:8.1f} MB/s")
    print(f"    ratio                      {ratio:8.2f}        (goal >= 0.8)")
    print("-" * 72)
    print("RESULT:", "goal met" if ratio >= 0.8 else "GOAL MISSED")
    return 0 if ratio >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())
