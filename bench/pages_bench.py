"""The web pages at scale on PostgreSQL: server time, queries and first-load bytes per page.

Run: ``cd /work/main && .venv/bin/python bench/pages_bench.py [--scale 0.1] [--runs 30]``

Starts its own throwaway PostgreSQL (tests.servers.ThrowawayPostgres) and an embedded S3
server, migrates, loads the demo (both demo projects, their photos, documents, plaque and
defect case: the pages' own data) and then the synthetic archive around it:
``materials.synth`` (at ``--scale 1``: 2,000 projects, 50,000 batches, 200,000 deliveries,
1,000,000 usages) and ``inspections.synth`` (200,000 acceptance records, 200,000 photo
rows). The demo supervisor is also made a member of one synthetic project, so "project
(synthetic)" is a project with its share of the scale (500 usages, 100 records at 1).

Each page of PAGES is requested ``--runs`` times (after one warm-up) through Django's test
client, the whole middleware stack in this process, as its user (a session, as a browser
has), the pages interleaved round by round: p50/p95 of the server time and the number of
queries of each request (min–max: it must not vary). Reference in the same run: a bare view
rendering the base layout for the same user. First load: the page's HTML plus every asset it
links (stylesheets, scripts, icon, images), uncompressed and as served in production (HTML
as the app sends it, static files gzipped by WhiteNoise with STATIC_MANIFEST=1, images as
they are). Goals (issue 13):
p95 < 150 ms with a constant number of queries, first load < 200 KB transferred (issue 15:
the jurisdiction dashboard p95 < 300 ms over the 2,000 synthetic projects, all of them in the
demo regulator's jurisdiction).

To add a page after merging: one row in PAGES. A row whose URL name does not resolve prints
"skipped (not built)".
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
import types
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

# The pages: (label, URL name, user, the URL's arguments from the bench's context).
# user is a demo username, or None for a visitor. Context `c`: c.project (the demo project
# under way), c.synth_project (a synthetic project the supervisor is also a member of),
# c.unit_work, c.location, c.record (an inspection lot with photos), c.delivery, c.sample,
# c.defect_case, c.document (the contractor's signed pledge), c.token (a plaque's token).
PAGES = [
    ("sign in", "sign-in", None, lambda c: []),
    ("home (my work)", "home", "supervisor", lambda c: []),
    ("my projects", "project-list-page", "supervisor", lambda c: []),
    ("project", "project-page", "supervisor", lambda c: [c.project]),
    ("project (synthetic)", "project-page", "supervisor", lambda c: [c.synth_project]),
    ("dashboard", "oversight-page", "regulator", lambda c: []),
    ("sign a pledge", "responsibility-sign-page", "contractor", lambda c: [c.document]),
    ("record photos", "record-photos-page", "supervisor", lambda c: [c.project, c.record]),
    ("public plaque", "plaque-public", None, lambda c: [c.token]),
    # Pages being built (issue 13); they print "skipped (not built)" until merged.
    ("deliveries", "delivery-list-page", "supervisor", lambda c: [c.project]),
    ("record a delivery", "delivery-create-page", "supervisor", lambda c: [c.project]),
    ("delivery", "delivery-page", "supervisor", lambda c: [c.project, c.delivery]),
    ("record a sample", "sample-create-page", "supervisor", lambda c: [c.project, c.delivery]),
    ("sample", "sample-page", "supervisor", lambda c: [c.project, c.sample]),
    ("usages", "usage-list-page", "supervisor", lambda c: [c.project]),
    ("record a usage", "usage-create-page", "supervisor", lambda c: [c.project]),
    ("location", "location-page", "supervisor", lambda c: [c.project, c.location]),
    ("record tree", "record-tree-page", "supervisor", lambda c: [c.project, c.unit_work]),
    ("new inspection lot", "record-create-page", "supervisor", lambda c: [c.project, c.unit_work]),
    ("acceptance record", "record-page", "supervisor", lambda c: [c.project, c.record]),
    ("defect cases", "defect-case-list-page", "supervisor", lambda c: [c.project]),
    ("defect case", "defect-case-page", "supervisor", lambda c: [c.project, c.defect_case]),
    # Issue 15: the regulator's console.
    ("open a defect case", "defect-case-create-page", "regulator", lambda c: [c.project]),
    ("defect trace", "defect-trace-page", "regulator", lambda c: [c.project, c.defect_case]),
    # Issue 14: signers, set-up, leads, plaques.
    ("my documents", "my-documents-page", "designer", lambda c: []),
    ("verify a PDF", "verify-pdf-page", "designer", lambda c: []),
    ("plaque", "plaque-page", "supervisor", lambda c: [c.plaque_project, c.plaque_unit_work]),
    ("project set-up", "project-setup-page", "admin", lambda c: [c.project]),
    ("location tree", "location-tree-page", "admin", lambda c: [c.project, c.unit_work]),
    ("leads", "lead-timeline-page", "admin", lambda c: [c.project]),
    # Issue 15: the regulator's console.
    ("archive: parties", "archive-page", "regulator", lambda c: [c.project]),
    ("archive: documents", "archive-documents-page", "regulator", lambda c: [c.project]),
    ("archive: plaques", "archive-plaques-page", "regulator", lambda c: [c.plaque_project]),
    ("audit log", "audit-log-page", "regulator", lambda c: []),
    # c.notice is a notice over a tenth of a synthetic maker's cable batches (~5,000 usages
    # at --scale 1, 3/8 of them in the regulator's jurisdiction); c.demo_notice and
    # c.demo_action the demo's recall and its open action.
    ("recalls", "recall-list-page", "regulator", lambda c: []),
    ("recall", "recall-page", "regulator", lambda c: [c.notice]),
    ("recall (operator)", "recall-page", "admin", lambda c: [c.notice]),
    ("recall action", "recall-action-page", "regulator", lambda c: [c.demo_notice, c.demo_action]),
    ("package page", "package-page", "regulator", lambda c: [c.project]),
    ("package page (synthetic)", "package-page", "admin", lambda c: [c.synth_project]),
    ("archive materials", "archive-materials-page", "regulator", lambda c: [c.project]),
    (
        "archive materials (synthetic)",
        "archive-materials-page",
        "regulator",
        lambda c: [c.synth_project],
    ),
    ("archive acceptance", "archive-acceptance-page", "regulator", lambda c: [c.project]),
    (
        "archive acceptance (synthetic)",
        "archive-acceptance-page",
        "regulator",
        lambda c: [c.synth_project],
    ),
]

FULL = {"projects": 2_000, "batches": 50_000, "deliveries": 200_000, "usages": 1_000_000}
FULL_RECORDS = 200_000
FULL_PHOTOS = 200_000
GOAL_P95_MS = 150
# Issue 15's goals where they differ: the jurisdiction dashboard aggregates a whole
# jurisdiction (every synthetic project is in the demo regulator's, Hangzhou).
GOAL_P95_MS_OF = {"dashboard": 300}
GOAL_FIRST_LOAD = 200 * 1024
REFERENCE = "bench-reference-layout"


def configure(tmp: Path, database_url: str, s3) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["LQA_VAR_DIR"] = str(tmp / "var")
    os.environ["DATABASE_URL"] = database_url
    os.environ["S3_ENDPOINT"] = s3.endpoint
    os.environ["S3_ACCESS_KEY"] = s3.access_key
    os.environ["S3_SECRET_KEY"] = s3.secret_key
    os.environ["FAST_PASSWORD_HASHER"] = "1"  # the demo's 14 accounts; no sign-in is timed
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    import logging

    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per signed-in client
    setup_test_environment()  # the test client and its ALLOWED_HOSTS "testserver"
    call_command("migrate", verbosity=0)
    call_command("storage_init", stdout=io.StringIO())


def load_demo() -> None:
    from io import StringIO

    from django.core.management import call_command

    for command in ("load_demo", "load_demo_materials", "load_demo_defect_case"):
        call_command(command, verbosity=0, stdout=StringIO())
    call_command("load_demo_completed", stdout=StringIO())
    # As a running archive has: its records proven by a signed checkpoint, so the pages'
    # ledger badges check inclusion proofs (the costly state), not "awaiting checkpoint".
    call_command("ledger_checkpoint", stdout=StringIO())


def progress(label, done, total, rate):
    if done == total or done % 100_000 < 10_000:
        print(f"  {label}: {done:,}/{total:,} ({rate:,.0f} rows/s)", flush=True)


def synthesize(scale: float) -> dict:
    from django.db import connection

    from inspections.synth import InspectionSynthesizer
    from materials.synth import Synthesizer

    sizes = {k: max(1, int(v * scale)) for k, v in FULL.items()}
    made = Synthesizer(chunk=10_000, progress=progress).run(**sizes)
    made.update(
        InspectionSynthesizer(chunk=10_000, progress=progress).run(
            records=max(1, int(FULL_RECORDS * scale)), photos=max(1, int(FULL_PHOTOS * scale))
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return made


def context() -> types.SimpleNamespace:
    """The objects the pages are about, from the demo, and the synthetic project."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    from inspections.models import AcceptanceRecord, Photo
    from materials.models import Delivery, RecallAction, Sample
    from projects import services
    from projects.demo import DEMO_PROJECT_NAME
    from projects.models import Location, Membership, Project
    from responsibility.models import DefectCase, Plaque, ResponsibilityDocument

    users = get_user_model().objects
    project = Project.objects.get(name=DEMO_PROJECT_NAME)
    synth_project = Project.objects.filter(name__startswith="[SYNTH]").order_by("pk").first()
    services.membership_create(
        user=users.get(username="supervisor"),
        project=synth_project,
        role=Membership.Role.SITE_SUPERVISOR,
        actor=users.get(username="admin"),
    )
    photographed = Photo.objects.filter(
        project=project, subject_type=ContentType.objects.get_for_model(AcceptanceRecord)
    ).values_list("subject_id", flat=True)
    record = AcceptanceRecord.objects.get(pk=max(set(photographed), key=list(photographed).count))
    delivery = Delivery.objects.filter(project=project).order_by("pk").first()
    plaque = Plaque.objects.exclude(token="").select_related("unit_work").first()
    demo_action = RecallAction.objects.filter(project=project).order_by("pk").first()
    return types.SimpleNamespace(
        notice=synthetic_notice().pk,
        demo_notice=demo_action.notice_id,
        demo_action=demo_action.pk,
        project=project.pk,
        synth_project=synth_project.pk,
        unit_work=project.unit_works.order_by("pk").first().pk,
        location=Location.objects.filter(unit_work__project=project, kind="floor")
        .order_by("pk")
        .first()
        .pk,
        record=record.pk,
        delivery=delivery.pk if delivery else None,
        sample=Sample.objects.filter(delivery__project=project).order_by("pk").first().pk,
        defect_case=DefectCase.objects.filter(project=project).first().pk,
        document=ResponsibilityDocument.objects.filter(
            project=project, signer__user__username="contractor", kind="pledge"
        )
        .first()
        .pk,
        token=plaque.token,
        plaque_project=plaque.unit_work.project_id,
        plaque_unit_work=plaque.unit_work_id,
    )


def synthetic_notice():
    """A recall over the first tenth of one synthetic maker's cable batches (numbered
    consecutively per maker, so a range is a slice): ~5,000 usages at --scale 1."""
    import datetime

    from django.contrib.auth import get_user_model

    from materials.models import Batch
    from materials.services import defect_notice_issue
    from materials.synth import PRODUCTS, SYNTH_PREFIX
    from projects.models import Organization

    maker = Organization.objects.get(name=f"{SYNTH_PREFIX}生产厂家00")
    numbers = list(
        Batch.objects.filter(manufacturer=maker, product=PRODUCTS["cable"])
        .order_by("batch_number")
        .values_list("batch_number", flat=True)
    )
    return defect_notice_issue(
        manufacturer=maker,
        product=PRODUCTS["cable"],
        batch_number_from=numbers[0],
        batch_number_to=numbers[max(0, len(numbers) // 10 - 1)],
        source="基准测试通报",
        issued_on=datetime.date(2025, 6, 1),
        actor=get_user_model().objects.get(username="admin"),
    )


def reference_urlconf():
    """The site's URLs plus one bare view that renders the base layout."""
    from django.shortcuts import render
    from django.urls import include, path

    def layout(request):
        return render(request, "base.html", {"nav_active": "home"})

    module = types.ModuleType("pages_bench_urls")
    module.urlpatterns = [
        path("bench-reference/", layout, name=REFERENCE),
        path("", include("config.urls")),
    ]
    sys.modules[module.__name__] = module
    return module.__name__


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (
            tag == "link"
            and a.get("href")
            and {"stylesheet", "icon"} & set(a.get("rel", "").split())
        ):
            self.urls.append(a["href"])
        elif tag in ("script", "img") and a.get("src"):
            self.urls.append(a["src"])


@dataclass
class FirstLoad:
    html: int
    assets: int
    raw: int
    served: int
    gzipped: int


def first_load(client, html: bytes) -> FirstLoad:
    """Bytes of the HTML and every asset it links: raw, as served, all gzipped."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    parser = _Assets()
    parser.feed(html.decode())
    raw = served = len(html)
    gzipped = len(gzip.compress(html, 6))
    static = "/" + settings.STATIC_URL.lstrip("/")
    for url in dict.fromkeys(parser.urls):
        if url.startswith(static):
            body = Path(finders.find(url[len(static) :])).read_bytes()
            packed = len(gzip.compress(body, 9))  # WhiteNoise compresses at build time
            raw, served, gzipped = raw + len(body), served + packed, gzipped + packed
            continue
        if url.startswith("data:"):
            continue
        if url.startswith("http"):
            body = urllib.request.urlopen(url, timeout=10).read()  # noqa: S310 - our S3
        else:
            response = client.get(url, follow=False)
            if response.status_code in (301, 302) and response["Location"].startswith("http"):
                body = _fetched(response["Location"])
            else:
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
        raw, served, gzipped = raw + len(body), served + len(body), gzipped + len(body)
    return FirstLoad(len(html), len(dict.fromkeys(parser.urls)), raw, served, gzipped)


def _fetched(url: str) -> bytes:
    """An object from our S3; nothing for a synthetic photo's thumbnail, a row whose object
    was never put (``inspections.synth``)."""
    try:
        return urllib.request.urlopen(url, timeout=10).read()  # noqa: S310 - our S3
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return b""
        raise


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def timed_get(client, url: str) -> tuple[object, float, int]:
    """One request: the response, its server time in ms and its number of queries."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    # The capture stops Django resetting the query log per request, and the log keeps only
    # its last 9,000: empty it first, or a long run counts 0 queries once it is full.
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - began) * 1000
    return response, elapsed, len(captured)


def bench(ctx, runs: int) -> tuple[list, list[float]]:
    """Every page (and the reference) once per round, ``runs`` rounds: a busy moment on a
    shared machine then slows every page alike instead of one."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    clients: dict[str | None, Client] = {None: Client(HTTP_ACCEPT_LANGUAGE="zh-hans")}

    def client_for(username):
        if username not in clients:
            clients[username] = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
            clients[username].force_login(get_user_model().objects.get(username=username))
        return clients[username]

    built = [("reference", REFERENCE, "supervisor", reverse(REFERENCE))]
    rows = {}
    for label, name, username, args in PAGES:
        try:
            built.append((label, name, username, reverse(name, args=args(ctx))))
        except NoReverseMatch:
            rows[label] = (label, name, username, None)
    first = {label: client_for(user).get(url) for label, _, user, url in built}  # warm-up
    times = {label: [] for label, *_ in built}
    queries = {label: [] for label, *_ in built}
    for _ in range(runs):
        for label, _, username, url in built:
            response, elapsed, count = timed_get(client_for(username), url)
            assert response.status_code == first[label].status_code, (url, response.status_code)
            times[label].append(elapsed)
            queries[label].append(count)
    for label, name, username, url in built[1:]:
        response = first[label]
        client = client_for(username)
        load = first_load(client, response.content) if response.status_code == 200 else None
        result = (url, response.status_code, times[label], queries[label], load)
        rows[label] = (label, name, username, result)
    return [rows[label] for label, *_ in PAGES], times["reference"]


def report(rows, reference, runs: int) -> bool:
    ref = statistics.median(reference)
    print(
        f"reference (bare view rendering the base layout, signed in): p50 {ref:.2f} ms,"
        f" p95 {p95(reference):.2f} ms"
    )
    head = (
        f"{'page':<22}{'user':<12}{'st':>4}{'p50 ms':>8}{'p95 ms':>8}{'×ref':>6}{'queries':>9}"
        f"{'HTML KB':>9}{'assets':>7}{'raw KB':>8}{'served KB':>10}{'gzip KB':>9}"
    )
    print(head)
    print("-" * len(head))
    ok = True
    for label, name, username, result in rows:
        if result is None:
            print(f"{label:<22}{username or '-':<12}  skipped (not built: {name})")
            continue
        url, status, times, queries, load = result
        q = f"{min(queries)}" if min(queries) == max(queries) else f"{min(queries)}–{max(queries)}"
        sizes = (
            f"{load.html / 1024:>9.1f}{load.assets:>7}{load.raw / 1024:>8.1f}"
            f"{load.served / 1024:>10.1f}{load.gzipped / 1024:>9.1f}"
            if load
            else ""
        )
        print(
            f"{label:<22}{username or '-':<12}{status:>4}{statistics.median(times):>8.1f}"
            f"{p95(times):>8.1f}{statistics.median(times) / ref:>6.1f}{q:>9}{sizes}"
        )
        ok &= p95(times) < GOAL_P95_MS_OF.get(label, GOAL_P95_MS) and min(queries) == max(queries)
        ok &= load is None or load.served < GOAL_FIRST_LOAD
    print(
        f"goal p95 < {GOAL_P95_MS} ms with constant queries and first load < 200 KB served,"
        f" (pages built so far): {'met' if ok else 'MISSED'} ({runs} requests per page)"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=0.1, help="1 = the issue's full size")
    parser.add_argument("--runs", type=int, default=30, help="requests per page")
    args = parser.parse_args()
    from storage.embedded import EmbeddedS3
    from tests.servers import ThrowawayPostgres

    tmp = Path(tempfile.mkdtemp(prefix="lqa-pages-bench-"))
    postgres = ThrowawayPostgres()
    s3 = EmbeddedS3(data_dir=tmp / "s3", access_key="bench", secret_key="bench-secret")
    try:
        s3.start()
        configure(tmp, postgres.start(), s3)
        from django.test.utils import override_settings

        print("Loading the demo …", flush=True)
        load_demo()
        sizes = {k: max(1, int(v * args.scale)) for k, v in FULL.items()}
        print(f"Synthesizing at scale {args.scale} ({sizes}) …", flush=True)
        began = time.perf_counter()
        made = synthesize(args.scale)
        synth_seconds = time.perf_counter() - began
        ctx = context()
        print(f"Requesting each page {args.runs} times …", flush=True)
        with override_settings(ROOT_URLCONF=reference_urlconf()):
            rows, reference = bench(ctx, args.runs)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        return 130
    finally:
        from django.db import connections

        connections.close_all()
        postgres.stop()
        s3.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"Pages benchmark — PostgreSQL (throwaway, fsync off), {os.cpu_count()} CPU cores")
    print(f"scale {args.scale}: {made} (synthesized in {synth_seconds:.1f} s), plus the demo")
    report(rows, reference, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
