"""Photo ingest against a raw put of the same bytes, on the same server, in the same run.

Run: ``cd /work/main && .venv/bin/python bench/inspections_photo_bench.py [photos]
[--store-on-own-core]``

Generates phone-like 12-megapixel JPEGs (4000 × 3000, EXIF time and GPS; 50 by default)
in a child process, starts its own embedded SeaweedFS and throwaway PostgreSQL, migrates,
then for each photo, alternating which goes first:

- receipt: ``inspections.services.photo_ingest``, the service the upload API view calls
  (through ``storage.photos.photo_store``, the path of every evidence photo): hashing while
  streaming, the structure check (``storage.structure``), EXIF from the header, the
  archival original, the rows and ledger entries, the preview job queued — what the
  uploader waits for;
- full ingest: the same and then the preview job (``run_queued``): the decode, an upright
  preview and a thumbnail in the derived bucket, the rows' update;
- original only: ``storage.services.object_store`` of the same bytes (hashed, checked by a
  full decode while the put runs, row and ledger entry), into the derived bucket so that it
  is a real put and not the archive's de-duplication;
- the same without the decode (hash, put, row), to show what the decode costs;
- raw: the MinIO SDK's ``put_object`` of the same bytes, as it comes (a multipart upload
  above 5 MiB) and in one request as our gateway puts; the faster is the reference;
- floor: a raw put and the preview's decode side by side and nothing else — the least an
  ingest that must decode the photo could take on this machine;
- then through the API: each photo (with a tail, so that it is new) POSTed over HTTP to a
  gunicorn worker, alternating with a raw put of the same bytes; the worker's peak RSS.

Then HEIC at receipt: a phone-like 12 MP HEIC (made with pillow-heif), its structure check
against its full decode, and its receipt against a raw put.

Prints MB/s and median milliseconds of each, the ratios (goals ≥ 0.6 with derived copies,
≥ 0.9 for the original alone, i.e. at receipt), the time of the preview and thumbnail
alone (goal ≤ 100 ms) and the peak RSS of this process and of the gunicorn worker (goal < 300 MB).

``--store-on-own-core`` pins SeaweedFS and PostgreSQL to one core and this process to the
other, as when the object store and the database run on their own hosts: on two shared cores
the store's CPU work during a put competes with the decode.
"""

from __future__ import annotations

import io
import os
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

MiB = 1024 * 1024


def configure(tmp: Path, database_url: str, endpoint: str, access_key: str, secret_key: str):
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["LQA_VAR_DIR"] = str(tmp / "var")
    os.environ["DATABASE_URL"] = database_url
    os.environ["S3_ENDPOINT"] = endpoint
    os.environ["S3_ACCESS_KEY"] = access_key
    os.environ["S3_SECRET_KEY"] = secret_key
    os.environ["S3_SECURE"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def phone_jpeg(seed: int) -> bytes:
    """A 12 MP JPEG with a phone's texture (gradients and sensor noise) and EXIF time/GPS."""
    from PIL import Image, ImageChops, TiffImagePlugin

    size = (4000, 3000)
    noise = Image.effect_noise(size, 40 + seed % 7)
    red = ImageChops.add(Image.linear_gradient("L").resize(size), noise, scale=1.6)
    green = ImageChops.add(Image.radial_gradient("L").resize(size), noise, scale=1.8)
    blue = noise.rotate(180)
    image = Image.merge("RGB", (red, green, blue))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "HUAWEI", "Mate 60 Pro"
    exif.get_ifd(0x8769)[0x9003] = f"2025:06:10 09:{seed % 60:02d}:00"
    exif.get_ifd(0x8769)[0x9011] = "+08:00"
    gps = exif.get_ifd(0x8825)
    r = TiffImagePlugin.IFDRational
    gps[1], gps[2] = "N", (r(30, 1), r(11, 1), r(186643, 10000))
    gps[3], gps[4] = "E", (r(120, 1), r(12, 1), r(51770, 10000))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def phone_heic(seed: int) -> bytes:
    """The same picture as ``phone_jpeg``, as a phone's HEIC (HEVC in ISOBMFF, with EXIF)."""
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    image = Image.open(io.BytesIO(phone_jpeg(seed)))
    out = io.BytesIO()
    image.save(out, "HEIF", quality=85, exif=image.info.get("exif"))
    return out.getvalue()


def generate(directory: Path, count: int) -> None:
    """Run in a child process, so generating does not count in the ingest's peak memory."""
    for i in range(count):
        (directory / f"IMG_{i:04d}.jpg").write_bytes(phone_jpeg(i))
    heic = directory.parent / "heic"
    heic.mkdir(exist_ok=True)
    for i in range(HEIC_COUNT):
        (heic / f"IMG_{i:04d}.heic").write_bytes(phone_heic(100 + i))


HEIC_COUNT = 3

ACTIONS = {
    "ingest": "receipt: the request (structure, EXIF, original, rows)",
    "ingest_full": "full ingest: receipt + the preview job",
    "original": "original only (object_store: hash, decode, put, row)",
    "original_no_decode": "original without the decode (hash, put, row)",
    "raw": "raw SDK put_object (default: multipart > 5 MiB)",
    "raw_one": "raw SDK put_object in one request",
    "floor": "floor: a raw put beside the preview's decode",
}


def pin(directory: Path, cpus: set[int]) -> int:
    """Pin every thread of every process whose command line names ``directory``."""
    pinned = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if str(directory).encode() not in f.read():
                    continue
            for tid in os.listdir(f"/proc/{pid}/task"):
                os.sched_setaffinity(int(tid), cpus)
            pinned += 1
        except (FileNotFoundError, ProcessLookupError):
            continue
    return pinned


def through_api(photo_dir: Path, record, user, sdk, bucket: str) -> dict:
    """Upload every photo through the HTTP API to a gunicorn worker, alternating with a raw
    SDK put of the same bytes; return both rates and the worker's peak RSS.

    Each photo gets a tail after its image data, so these are new bytes to the archive
    (the photos were already ingested above) and every upload does the whole work.
    """
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    from projects.services import api_token_issue

    user.is_staff = True  # operators may write to any project
    user.save()
    _row, token = api_token_issue(user=user)
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own command line
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers=1",
            f"--bind=127.0.0.1:{port}",
            "--timeout=120",
            "--log-level=warning",
        ],
        cwd=BASE_DIR,
    )
    try:
        connection = wait_for_http(port)
        worker = next(iter(children(server.pid)))
        path = f"/api/v1/projects/{record.project_id}/acceptance-records/{record.pk}/photos/"
        api_seconds, raw_seconds, sizes = [], [], []
        for i, photo in enumerate(sorted(photo_dir.iterdir())):
            data = photo.read_bytes() + f"api-{i}".encode()
            upload = io.BytesIO(data)
            upload.name = f"API_{i:04d}.jpg"
            body = encode_multipart(BOUNDARY, {"files": [upload]})
            headers = {"Authorization": f"Token {token}", "Content-Type": MULTIPART_CONTENT}

            def api(body=body, headers=headers):
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
                if response.status != 201:
                    raise RuntimeError(f"upload refused: {response.status} {answer[:300]!r}")

            def raw(data=data, i=i):
                sdk.put_object(
                    bucket,
                    f"bench/api-raw/{i}",
                    io.BytesIO(data),
                    len(data),
                    "image/jpeg",
                    part_size=16 * MiB,
                )

            timings = {}
            for name, action in [("api", api), ("raw", raw)][:: 1 if i % 2 else -1]:
                started = time.perf_counter()
                action()
                timings[name] = time.perf_counter() - started
            if i == 0:
                continue
            sizes.append(len(data) / MiB)
            api_seconds.append(timings["api"])
            raw_seconds.append(timings["raw"])
        with open(f"/proc/{worker}/status") as status:
            peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(sizes)
    return {
        "api": total / sum(api_seconds),
        "raw": total / sum(raw_seconds),
        "api_ms": statistics.median(api_seconds) * 1000,
        "raw_ms": statistics.median(raw_seconds) * 1000,
        "worker_peak_mb": peak_kb / 1024,
    }


def heic_at_receipt(heic_dir: Path, record, user, sdk, bucket: str) -> dict:
    """A phone's 12 MP HEIC: its structure check and its full decode (what the request did
    before), its receipt (``photo_ingest``) and a raw put of the same bytes; medians."""
    from PIL import Image

    from inspections import services
    from storage.structure import photo_structure_check

    check, decode, receipt, raw = [], [], [], []
    for i, path in enumerate(sorted(heic_dir.iterdir())):
        data = path.read_bytes()
        started = time.perf_counter()
        photo_structure_check(io.BytesIO(data), content_type="image/heic")
        check.append(time.perf_counter() - started)
        started = time.perf_counter()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
        decode.append(time.perf_counter() - started)
        upload = io.BytesIO(data)
        upload.name = path.name
        started = time.perf_counter()
        services.photo_ingest(subject=record, fileobj=upload, actor=user)
        receipt.append(time.perf_counter() - started)
        started = time.perf_counter()
        sdk.put_object(
            bucket, f"bench/heic/{i}", io.BytesIO(data), len(data), "image/heic", part_size=16 * MiB
        )
        raw.append(time.perf_counter() - started)
    return {
        "mb": len(data) / MiB,
        "check_ms": statistics.median(check) * 1000,
        "decode_ms": statistics.median(decode) * 1000,
        "receipt_ms": statistics.median(receipt) * 1000,
        "raw_ms": statistics.median(raw) * 1000,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(port: int):
    import http.client

    deadline = time.monotonic() + 30
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("GET", "/api/v1/")
            connection.getresponse().read()
            return connection
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def children(pid: int) -> set[int]:
    found = set()
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                    found.add(int(entry))
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(photo_dir: Path) -> int:
    import datetime

    from django.conf import settings
    from django.contrib.auth import get_user_model

    from inspections import services
    from jobs.engine import run_queued
    from projects import services as project_services
    from storage import gateway
    from storage.images import image_open
    from storage.photos import derived_jpegs, photo_decode

    gateway.buckets_ensure()
    user = get_user_model().objects.create_user(username="bench", password="x")
    project = project_services.project_create(
        name="基准测试项目", jurisdiction_code="330108", actor=user
    )
    unit_work = project_services.unit_work_create(
        project=project,
        name="1号楼",
        structure_type="frame",
        floors_above=6,
        gross_area="5000",
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
    rss_before = peak_rss_mb()

    from storage.services import ObjectStaging, object_store, objects_record

    sdk = gateway.client()
    bucket = settings.S3_DERIVED_BUCKET
    # The server's first write to a bucket allocates its volumes (about a second, once).
    for name in (settings.S3_ARCHIVE_BUCKET, bucket):
        gateway.put(
            name, "bench/warm-up", data=io.BytesIO(b"x"), length=1, content_type="text/plain"
        )

    seconds = {name: [] for name in ACTIONS}
    derive_seconds, sizes = [], []
    for i, path in enumerate(sorted(photo_dir.iterdir())):
        data = path.read_bytes()

        def ingest(data=data, i=i):
            upload = io.BytesIO(data)
            upload.name = f"IMG_{i:04d}.jpg"
            services.photo_ingest(subject=record, fileobj=upload, actor=user)

        def ingest_full(data=data, i=i):
            upload = io.BytesIO(data + b"full")  # other bytes than ``ingest``'s: a new photo
            upload.name = f"IMG_{i:04d}.jpg"
            services.photo_ingest(subject=record, fileobj=upload, actor=user)
            if run_queued() != 1:
                raise RuntimeError("the preview job did not run")

        def original(data=data, i=i):
            upload = io.BytesIO(data)
            upload.name = f"IMG_{i:04d}.jpg"
            object_store(fileobj=upload, user=user, archival=False)

        def original_no_decode(data=data, i=i):
            # Other bytes (a tail after the image's end), or the store would find the
            # object the line above stored and put nothing.
            upload = io.BytesIO(data + b"no-decode")
            upload.name = f"IMG_{i:04d}.jpg"
            with ObjectStaging() as staging:
                staged = staging.stage(fileobj=upload, archival=False)
            objects_record([staged], actor=user)

        def floor(data=data, i=i):
            put = threading.Thread(target=raw_one, kwargs={"key": f"bench/floor/{i}"})
            put.start()
            photo_decode(io.BytesIO(data), content_type="image/jpeg")
            put.join()

        def raw(data=data, i=i):  # the SDK's put as it comes: multipart above 5 MiB
            sdk.put_object(bucket, f"bench/raw/{i}", io.BytesIO(data), len(data), "image/jpeg")

        def raw_one(data=data, i=i, key=None):  # the SDK's put in one request, as ours
            sdk.put_object(
                bucket,
                key or f"bench/raw-one/{i}",
                io.BytesIO(data),
                len(data),
                "image/jpeg",
                part_size=gateway.PART_SIZE,
            )

        order = [
            ("ingest", ingest),
            ("ingest_full", ingest_full),
            ("original", original),
            ("original_no_decode", original_no_decode),
            ("raw", raw),
            ("raw_one", raw_one),
            ("floor", floor),
        ]
        order = order[i % len(order) :] + order[: i % len(order)]
        timings = {}
        for name, action in order:
            started = time.perf_counter()
            action()
            timings[name] = time.perf_counter() - started
            if name == "ingest":
                run_queued()  # the receipt's preview job, out of the timings
        with image_open(io.BytesIO(data), content_type="image/jpeg") as image:
            started = time.perf_counter()
            derived_jpegs(image)
            derive = time.perf_counter() - started
        if i == 0:
            continue  # the first photo warms up connections, threads and caches
        sizes.append(len(data) / MiB)
        derive_seconds.append(derive)
        for name, value in timings.items():
            seconds[name].append(value)

    run_queued()
    heic = heic_at_receipt(photo_dir.parent / "heic", record, user, sdk, bucket)
    api = through_api(photo_dir, record, user, sdk, bucket)

    count = len(sizes)
    total_mb = sum(sizes)
    rate = {name: total_mb / sum(values) for name, values in seconds.items()}
    median_ms = {name: statistics.median(values) * 1000 for name, values in seconds.items()}
    reference = max(rate["raw"], rate["raw_one"])
    ratio = rate["ingest_full"] / reference
    original_ratio = rate["ingest"] / reference
    derive_ms = statistics.median(derive_seconds) * 1000
    peak = peak_rss_mb()
    print()
    print(f"Photo ingest vs raw put — {count} photos of {min(sizes):.1f}–{max(sizes):.1f} MB,")
    print(f"SeaweedFS (embedded, loopback) + PostgreSQL (throwaway), {os.cpu_count()} CPU cores")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print("-" * 78)
    print(f"{'':52} {'MB/s':>8} {'median ms':>10}")
    for name, label in ACTIONS.items():
        print(f"{label:52} {rate[name]:8.1f} {median_ms[name]:10.1f}")
    ratios = [
        ("full ingest", ratio, "(goal >= 0.6)"),
        ("receipt (the original alone)", original_ratio, "(goal >= 0.9)"),
        ("object_store (with a full decode)", rate["original"] / reference, ""),
        ("original without the decode", rate["original_no_decode"] / reference, ""),
        ("floor (a put beside a decode)", rate["floor"] / reference, ""),
    ]
    for label, value, goal in ratios:
        print(f"{'ratio ' + label + ' / faster raw put':52} {value:8.2f}   {goal}")
    print(
        f"{'through the API (gunicorn, 1 worker) / raw put':52} {api['api'] / api['raw']:8.2f}"
        f"   ({api['api']:.1f} vs {api['raw']:.1f} MB/s, median {api['api_ms']:.0f}"
        f" vs {api['raw_ms']:.0f} ms)"
    )
    print(f"median decode + preview + thumbnail, 12 MP JPEG      {derive_ms:8.0f} ms (goal <= 100)")
    print(
        f"HEIC 12 MP ({heic['mb']:.1f} MB): structure check {heic['check_ms']:.1f} ms, full decode"
        f" {heic['decode_ms']:.0f} ms; receipt {heic['receipt_ms']:.0f} ms vs raw put"
        f" {heic['raw_ms']:.0f} ms: ratio {heic['raw_ms'] / heic['receipt_ms']:.2f}"
    )
    print(f"peak RSS of this process                             {peak:8.0f} MB (goal < 300)")
    print(f"  (of which Django, PostgreSQL and S3 clients before ingesting: {rss_before:.0f} MB)")
    worker_peak = api["worker_peak_mb"]
    label = f"peak RSS of the gunicorn worker, {count} API uploads"
    print(f"{label:52} {worker_peak:8.0f} MB (goal < 300)")
    print("-" * 78)
    goals = {
        "full ingest >= 0.6x": ratio >= 0.6,
        "receipt (original alone) >= 0.9x": original_ratio >= 0.9,
        "thumbnail <= 100 ms": derive_ms <= 100,
        "peak memory < 300 MB": peak < 300 and worker_peak < 300,
    }
    missed = [name for name, met in goals.items() if not met]
    print("RESULT:", "all goals met" if not missed else "missed: " + ", ".join(missed))
    return 0 if not missed else 1


def main() -> int:
    if sys.argv[1:2] == ["--generate"]:
        generate(Path(sys.argv[2]), int(sys.argv[3]))
        return 0
    split = "--store-on-own-core" in sys.argv
    numbers = [arg for arg in sys.argv[1:] if arg.isdigit()]
    count = int(numbers[0]) if numbers else 50
    from storage.embedded import EmbeddedS3
    from tests.servers import ThrowawayPostgres

    tmp = Path(tempfile.mkdtemp(prefix="lqa-photo-bench-"))
    server = EmbeddedS3(
        data_dir=tmp / "s3", access_key="bench", secret_key=secrets.token_urlsafe(24)
    )
    postgres = ThrowawayPostgres()
    photo_dir = tmp / "photos"
    photo_dir.mkdir()
    print(f"generating {count} phone-like 12 MP JPEGs in a child process …", flush=True)
    subprocess.run(  # noqa: S603 - this script, with our own arguments
        [sys.executable, __file__, "--generate", str(photo_dir), str(count)], check=True
    )
    server.start()
    try:
        database_url = postgres.start()
        if split:
            # Processes forked later (PostgreSQL's backends) inherit the pinning.
            servers = pin(tmp / "s3", {1}) + pin(postgres.dir, {1})
            os.sched_setaffinity(0, {0})
            print(f"SeaweedFS and PostgreSQL ({servers} processes) on CPU 1, this one on CPU 0")
        configure(tmp, database_url, server.endpoint, server.access_key, server.secret_key)
        return run(photo_dir)
    finally:
        postgres.stop()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
