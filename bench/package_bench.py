"""Archive package export against a raw MinIO SDK get of the same objects, in the same run.

Run: ``cd /work/main && .venv/bin/python bench/package_bench.py [small] [large]``
(default 500 and 2000 photos)

Starts its own embedded SeaweedFS and throwaway PostgreSQL, migrates, and fills one project
with ``large`` photos: real JPEGs of 1–3 MB (a few noisy camera-like images, each copy made
distinct by a JPEG comment segment), each stored through ``storage.services.object_store``
(sniffed, decoded, hashed, put, row and ledger entry); the photo rows are bulk-created and
ledgered in batches. At ``small`` photos and again at ``large``:

- raw get: ``minio.Minio.get_object`` of every photo, read to the end and discarded; and
  raw → file: the same, written one after the other to one file on the same disk as the
  export's zip (the like-for-like reference for an export to a file);
- export: ``manage.py export_archive`` in a child process, writing the zip to a file: the
  records, every file read through ``storage.selectors.object_read`` (SHA-256 verified while
  streaming), ledger entries with their inclusion proofs against a fresh signed checkpoint.
  Its peak RSS is the child's ``VmHWM``.

- stream: the API download's stream (``package_stream``) in a child process, discarded, to
  compare with the raw get.

The four are interleaved, three rounds each, medians kept: the machine is shared.

Prints MB/s of both, their ratio (goal ≥ 0.7) and the export's peak RSS at both sizes (goal:
flat, < 150 MB); then checks the large package with the offline verifier and prints its time.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

MB = 1_000_000
ROUNDS = 3


def environment(tmp: Path, database_url: str, server) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LQA_VAR_DIR": str(tmp / "var"),
        "DATABASE_URL": database_url,
        "S3_ENDPOINT": server.endpoint,
        "S3_ACCESS_KEY": server.access_key,
        "S3_SECRET_KEY": server.secret_key,
        "S3_SECURE": "0",
    }


def camera_jpegs(count: int) -> list[bytes]:
    """A few distinct camera-like JPEGs of 1–3 MB (noise does not compress, like a sensor)."""
    from PIL import Image, ImageChops

    images = []
    for seed in range(count):
        size = (1600 + 200 * (seed % 4), 1200 + 150 * (seed % 4))
        noise = Image.effect_noise(size, 30 + 5 * seed)
        red = ImageChops.add(Image.linear_gradient("L").resize(size), noise, scale=1.6)
        green = ImageChops.add(Image.radial_gradient("L").resize(size), noise, scale=1.8)
        out = io.BytesIO()
        Image.merge("RGB", (red, green, noise.rotate(180))).save(out, "JPEG", quality=92)
        images.append(out.getvalue())
    return images


def distinct(jpeg: bytes, n: int) -> bytes:
    """The same picture with a comment segment naming ``n``: other bytes, still a JPEG."""
    comment = f"package bench photo {n} {secrets.token_hex(8)}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]


def fill(record, user, bases: list[bytes], start: int, stop: int) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from inspections.models import Photo
    from ledger.models import LedgerEntry
    from ledger.services import ledger_append
    from storage.services import object_store

    subject_type = ContentType.objects.get_for_model(record)
    began = time.monotonic()
    rows = []
    for n in range(start, stop):
        upload = io.BytesIO(distinct(bases[n % len(bases)], n))
        upload.name = f"IMG_{n:04d}.jpg"
        obj = object_store(fileobj=upload, user=user, archival=True)
        rows.append(
            Photo(
                project=record.project,
                subject_type=subject_type,
                subject_id=record.pk,
                original=obj,
                preview=obj,
                thumbnail=obj,
                width=1600,
                height=1200,
                caption=f"IMG_{n:04d}",
                uploaded_by=user,
                received_at=timezone.now(),
            )
        )
        if len(rows) == 100 or n == stop - 1:
            with transaction.atomic():
                for photo in Photo.objects.bulk_create(rows):
                    ledger_append(record=photo, action=LedgerEntry.Action.CREATE, actor=user)
            rows = []
            rate = (n + 1 - start) / (time.monotonic() - began)
            print(f"\r  stored {n + 1:,} photos ({rate:,.1f}/s)", end="", flush=True)
    print()


def raw_get(objects, output: Path | None = None) -> tuple[float, int]:
    """Seconds and bytes of a plain SDK get of every object, read in 256 KiB pieces and
    discarded, or written one after the other to ``output`` (like the export, to disk)."""
    from storage import gateway

    minio = gateway.client()
    total = 0
    began = time.perf_counter()
    with open(output or os.devnull, "wb") as out:
        for obj in objects:
            response = minio.get_object(obj.bucket, obj.key, version_id=obj.version_id or None)
            try:
                for chunk in response.stream(256 * 1024):
                    total += len(chunk)
                    if output is not None:
                        out.write(chunk)
            finally:
                response.close()
                response.release_conn()
    return time.perf_counter() - began, total


def parts(objects) -> list[tuple[str, float]]:
    """Where the stream's time goes, step by step, in this process: MB/s of the photo bytes
    read raw, then with each thing the package adds per byte (the SHA-256 check, the CRC-32
    with the system zlib or zlib-ng, the read-ahead thread and zipfile's framing). Rounds
    interleaved, medians kept."""
    import zipfile
    import zlib

    from zlib_ng import zlib_ng

    from responsibility import packages
    from storage.selectors import object_read

    def read(chunk_size: int, crc=None):
        def run():
            for obj in objects:
                value = 0
                for chunk in object_read(obj=obj, chunk_size=chunk_size):
                    if crc is not None:
                        value = crc(chunk, value)

        return run

    def zipped(crc, chunk_size: int, depth: int):
        def run():
            zipfile.crc32, packages.READ_CHUNK = crc, chunk_size
            sink = packages._Sink()
            bag = packages._Bag(zip=zipfile.ZipFile(sink, "w", allowZip64=True), sink=sink)
            for obj, chunks in packages._prefetched(iter(objects), depth=depth):
                for _ in bag.member(obj.sha256, chunks, compress=False, sha256=obj.sha256):
                    pass

        return run

    steps = [
        ("raw SDK get, 256 KiB reads (the reference)", lambda: raw_get(objects)),
        ("+ SHA-256 check (object_read), 256 KiB", read(256 * 1024)),
        ("+ SHA-256 check, 1 MiB reads", read(1024 * 1024)),
        ("+ SHA-256 + CRC-32 (system zlib), 1 MiB", read(1024 * 1024, zlib.crc32)),
        ("+ SHA-256 + CRC-32 (zlib-ng), 1 MiB", read(1024 * 1024, zlib_ng.crc32)),
        (
            "zip members as before (zlib CRC, 256 KiB × 32 ahead)",
            zipped(zlib.crc32, 256 * 1024, 32),
        ),
        ("zip members now (zlib-ng CRC, 1 MiB × 8 ahead)", zipped(zlib_ng.crc32, 1024 * 1024, 8)),
    ]
    total = sum(obj.size for obj in objects)
    seconds: dict[str, list[float]] = {name: [] for name, _ in steps}
    try:
        for _ in range(ROUNDS):
            for name, step in steps:
                began = time.perf_counter()
                step()
                seconds[name].append(time.perf_counter() - began)
    finally:
        zipfile.crc32, packages.READ_CHUNK = zlib_ng.crc32, 1024 * 1024
    return [(name, total / MB / statistics.median(seconds[name])) for name, _ in steps]


def export_child(env: dict[str, str], project_id: int, output: Path | None) -> tuple[float, float]:
    """Seconds (of the export, without the interpreter's start) and peak RSS (MB) of an export
    in its own process: ``manage.py export_archive`` to ``output``, or with no output the
    stream the API download sends (``package_stream``), discarded."""
    if output is None:
        export = (
            "from projects.models import Project;"
            "from responsibility.packages import package_stream;"
            f"project = Project.objects.get(pk={project_id});"
            "[None for _ in package_stream(project=project, exporter='bench')];"
        )
    else:
        export = f"call_command('export_archive', '{project_id}', '-o', r'{output}');"
    code = (
        "import time, django; django.setup();"
        "from django.core.management import call_command;"
        "began = time.perf_counter();"
        "import cProfile, os, pstats; profile = cProfile.Profile();"
        "profiling = bool(os.environ.get('PACKAGE_BENCH_PROFILE'));"
        "profiling and profile.enable();"
        f"{export}"
        "profiling and profile.disable();"
        "profiling and pstats.Stats(profile).sort_stats('tottime').print_stats(15);"
        "print('SECONDS', time.perf_counter() - began);"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0];"
        "print('PEAK', int(hwm.split()[1]) / 1024)"
    )
    run = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    if os.environ.get("PACKAGE_BENCH_PROFILE"):
        print(run.stdout)
    said = dict(line.split() for line in run.stdout.splitlines() if line[:4] in ("SECO", "PEAK"))
    return float(said["SECONDS"]), float(said["PEAK"])


def measure(env, project, tmp: Path, count: int) -> dict:
    from storage.models import StoredObject

    objects = list(
        StoredObject.objects.filter(original_name__startswith="IMG_").order_by("pk")[:count]
    )
    output = tmp / f"package-{count}.zip"
    raw_file = tmp / "raw.bin"
    raw, raw_to_file, export, streamed, peaks = [], [], [], [], []
    for _ in range(ROUNDS):  # interleaved: the machine is shared, its load varies
        seconds, total = raw_get(objects)
        raw.append(seconds)
        raw_to_file.append(raw_get(objects, raw_file)[0])
        raw_file.unlink()
        seconds, peak = export_child(env, project.pk, output)
        export.append(seconds)
        peaks.append(peak)
        seconds, peak = export_child(env, project.pk, None)
        streamed.append(seconds)
        peaks.append(peak)
    return {
        "count": count,
        "photo_mb": total / MB,
        "zip_mb": output.stat().st_size / MB,
        "raw": total / MB / statistics.median(raw),
        "raw_file": total / MB / statistics.median(raw_to_file),
        "export": total / MB / statistics.median(export),
        "streamed": total / MB / statistics.median(streamed),
        "peak": max(peaks),
        "output": output,
    }


def run(env: dict[str, str], tmp: Path, small: int, large: int) -> int:
    os.environ.update(env)
    import django

    django.setup()
    import datetime

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from inspections import services
    from ledger.offline import verify
    from ledger.signing import public_key_bytes
    from projects import services as project_services
    from storage import gateway
    from storage.models import StoredObject

    gateway.buckets_ensure()
    user = get_user_model().objects.create_user(username="bench", password="x")
    project = project_services.project_create(
        name="归档包基准项目", jurisdiction_code="330108", actor=user
    )
    unit_work = project_services.unit_work_create(
        project=project,
        name="1号楼",
        structure_type="frame",
        floors_above=6,
        gross_area=Decimal("5000.00"),  # as the API passes it: quantized
        design_service_life_years=50,
        actor=user,
    )
    record = services.record_create(
        project=project,
        unit_work=unit_work,
        level="unit",
        title="1号楼单位工程",
        date=datetime.date(2025, 6, 10),
        actor=user,
    )
    print("making camera-like JPEGs …", flush=True)
    bases = camera_jpegs(6)
    results = []
    fill(record, user, bases, 0, small)
    results.append(measure(env, project, tmp, small))
    steps = parts(
        list(StoredObject.objects.filter(original_name__startswith="IMG_").order_by("pk"))
    )
    # The second size is the same project grown: the first package's photos plus more.
    fill(record, user, bases, small, large)
    results.append(measure(env, project, tmp, large))
    # Packages hold every photo of the project; measure() compares the same photo bytes.
    # (At ``small`` the project had exactly ``small`` photos.)

    began = time.perf_counter()
    report = verify(str(results[-1]["output"]), [public_key_bytes().hex()])
    verify_seconds = time.perf_counter() - began

    sizes = [len(b) / MB for b in bases]
    print()
    print(
        f"Package export vs raw MinIO SDK get — photos of {min(sizes):.1f}–{max(sizes):.1f} MB,"
        f" SeaweedFS (embedded, loopback) + PostgreSQL (throwaway), {os.cpu_count()} CPU cores"
    )
    print("-" * 78)
    print(
        f"{'photos':>6} {'photo MB':>8} {'raw get':>8} {'stream':>7} {'ratio':>6}"
        f" {'raw→file':>9} {'export':>7} {'ratio':>6} {'peak RSS':>9}"
    )
    for r in results:
        print(
            f"{r['count']:>6,} {r['photo_mb']:>8,.0f} {r['raw']:>8.1f} {r['streamed']:>7.1f}"
            f" {r['streamed'] / r['raw']:>6.2f} {r['raw_file']:>9.1f} {r['export']:>7.1f}"
            f" {r['export'] / r['raw_file']:>6.2f} {r['peak']:>9.0f}"
        )
    print(
        f"MB/s of photo bytes, medians of {ROUNDS} interleaved rounds. raw get: SDK get,"
        " discarded; stream: the API's package stream, discarded; raw→file: SDK get written to"
        " one file; export: manage.py export_archive to a file; peak RSS: the larger of both"
        " exports' VmHWM"
    )
    print("goals: ratio >= 0.7; peak RSS flat and < 150 MB")
    print(
        f"offline verify of the {results[-1]['count']:,}-photo package:"
        f" {verify_seconds:.1f} s ({results[-1]['zip_mb'] / verify_seconds:.0f} MB/s),"
        f" {len(report.problems)} problem(s)"
    )
    for problem in report.problems[:5]:
        print("  PROBLEM:", problem)
    print("-" * 78)
    print(f"Where the stream's time goes ({results[0]['count']:,} photos, in one process):")
    for name, rate in steps:
        print(f"  {name:<58} {rate:>7.1f} MB/s {rate / steps[0][1]:>5.2f}×")
    print("-" * 78)
    ok = (
        all(r["streamed"] / r["raw"] >= 0.7 and r["export"] / r["raw_file"] >= 0.7 for r in results)
        and all(r["peak"] < 150 for r in results)
        and not report.problems
    )
    print("RESULT:", "all goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


def main() -> int:
    small = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    large = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    from storage.embedded import EmbeddedS3
    from tests.servers import ThrowawayPostgres

    tmp = Path(tempfile.mkdtemp(prefix="lqa-package-bench-"))
    server = EmbeddedS3(
        data_dir=tmp / "s3", access_key="bench", secret_key=secrets.token_urlsafe(24)
    )
    postgres = ThrowawayPostgres()
    server.start()
    try:
        database_url = postgres.start()
        return run(environment(tmp, database_url, server), tmp, small, large)
    finally:
        postgres.stop()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
