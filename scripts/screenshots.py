"""Phone screenshots of the archive's pages for the README: docs/screenshots/<name>.png.

Starts nothing itself: point it at a running archive holding the demo, e.g.

    PORT=8790 EMBEDDED_S3_PORT=8791 make run        # in one terminal
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8790   # in another

It reads the demo's ids from the same database as that archive (the same environment:
LQA_VAR_DIR or DATABASE_URL, as `make run` was given), signs in as the demo users through
/login/ with Playwright on Debian's chromium (tests/browser.py's flags), opens each page of
PAGES at 390×844 in Chinese and saves a full-page PNG. A page whose URL name does not
resolve, or that answers 404, is skipped and said so. Add a page: one row in PAGES.
"""

from __future__ import annotations

import argparse
import os
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DESK_WIDTH = 1280

# (file name, URL name, demo user or None for a visitor, the URL's arguments from `c`[, the
# viewport's width when not a phone's]).
# `c`: c.project (the demo project under way), c.unit_work, c.location (a floor where
# materials were used), c.record (the inspection lot with most photos), c.delivery,
# c.sample, c.defect_case, c.document (the contractor's signed pledge), c.token (a plaque).
PAGES = [
    ("sign-in", "sign-in", None, lambda c: []),
    ("home", "home", "supervisor", lambda c: []),
    ("projects", "project-list-page", "supervisor", lambda c: []),
    ("project", "project-page", "supervisor", lambda c: [c.project]),
    ("deliveries", "delivery-list-page", "supervisor", lambda c: [c.project]),
    ("delivery-create", "delivery-create-page", "supervisor", lambda c: [c.project]),
    ("delivery", "delivery-page", "supervisor", lambda c: [c.project, c.delivery]),
    ("sample-create", "sample-create-page", "supervisor", lambda c: [c.project, c.delivery]),
    ("sample", "sample-page", "supervisor", lambda c: [c.project, c.sample]),
    ("usages", "usage-list-page", "supervisor", lambda c: [c.project]),
    ("usage-create", "usage-create-page", "supervisor", lambda c: [c.project]),
    ("location", "location-page", "supervisor", lambda c: [c.project, c.location]),
    ("record-tree", "record-tree-page", "supervisor", lambda c: [c.project, c.unit_work]),
    ("record-create", "record-create-page", "supervisor", lambda c: [c.project, c.unit_work]),
    ("record", "record-page", "supervisor", lambda c: [c.project, c.record]),
    ("defect-cases", "defect-case-list-page", "supervisor", lambda c: [c.project]),
    ("defect-case", "defect-case-page", "supervisor", lambda c: [c.project, c.defect_case]),
    ("defect-case-create", "defect-case-create-page", "regulator", lambda c: [c.project]),
    ("defect-trace", "defect-trace-page", "regulator", lambda c: [c.project, c.defect_case]),
    ("oversight", "oversight-page", "regulator", lambda c: []),
    ("sign", "responsibility-sign-page", "contractor", lambda c: [c.document]),
    ("plaque-public", "plaque-public", None, lambda c: [c.token]),
    ("my-documents", "my-documents-page", "designer", lambda c: []),
    ("verify-pdf", "verify-pdf-page", "designer", lambda c: []),
    ("plaque", "plaque-page", "supervisor", lambda c: [c.plaque_project, c.plaque_unit_work]),
    ("setup-project-create", "project-create-page", "admin", lambda c: []),
    ("setup-project-setup", "project-setup-page", "admin", lambda c: [c.project]),
    ("setup-location-tree", "location-tree-page", "admin", lambda c: [c.project, c.unit_work]),
    ("label-scan", "location-scan-page", "supervisor", lambda c: [c.project]),
    ("setup-party-create", "party-create-page", "admin", lambda c: [c.project]),
    ("setup-person-create", "person-create-page", "admin", lambda c: [c.project]),
    ("setup-leads", "lead-timeline-page", "admin", lambda c: [c.project]),
    ("archive", "archive-page", "regulator", lambda c: [c.project]),
    ("archive-documents", "archive-documents-page", "regulator", lambda c: [c.project]),
    ("archive-plaques", "archive-plaques-page", "regulator", lambda c: [c.plaque_project]),
    ("audit-log", "audit-log-page", "regulator", lambda c: []),
    ("archive-materials", "archive-materials-page", "regulator", lambda c: [c.project]),
    ("archive-acceptance", "archive-acceptance-page", "regulator", lambda c: [c.project]),
    ("recalls", "recall-list-page", "regulator", lambda c: []),
    ("recall", "recall-page", "regulator", lambda c: [c.notice]),
    ("recall-action", "recall-action-page", "supervisor", lambda c: [c.notice, c.action]),
    ("package", "package-page", "regulator", lambda c: [c.project]),
    # The regulator's console is desktop first: these at a desk's width too.
    ("dashboard-desk", "oversight-page", "regulator", lambda c: [], DESK_WIDTH),
    ("archive-desk", "archive-page", "regulator", lambda c: [c.project], DESK_WIDTH),
    (
        "defect-trace-desk",
        "defect-trace-page",
        "regulator",
        lambda c: [c.project, c.defect_case],
        DESK_WIDTH,
    ),
    ("recall-desk", "recall-page", "regulator", lambda c: [c.notice], DESK_WIDTH),
]


def demo_context() -> types.SimpleNamespace:
    """The demo's ids, read (never written) from the archive's database."""
    from collections import Counter

    from django.contrib.contenttypes.models import ContentType

    from inspections.models import AcceptanceRecord, Photo
    from materials.models import Delivery, RecallAction, Sample, Usage
    from projects.demo import DEMO_PROJECT_NAME
    from projects.models import Project
    from responsibility.models import DefectCase, Plaque, ResponsibilityDocument

    project = Project.objects.filter(name=DEMO_PROJECT_NAME).first()
    if project is None:
        raise SystemExit("No demo project in this database: is it the running archive's?")
    photographed = Counter(
        Photo.objects.filter(
            project=project, subject_type=ContentType.objects.get_for_model(AcceptanceRecord)
        ).values_list("subject_id", flat=True)
    )
    usage = Usage.objects.filter(delivery__project=project).order_by("pk").first()
    delivery = Delivery.objects.filter(project=project).order_by("pk").first()
    sample = Sample.objects.filter(delivery__project=project).order_by("pk").first()
    case = DefectCase.objects.filter(project=project).first()
    plaque = Plaque.objects.exclude(token="").first()
    document = ResponsibilityDocument.objects.filter(
        project=project, kind="pledge", signer__user__username="contractor"
    ).first()
    action = RecallAction.objects.filter(project=project).order_by("closed_at", "pk").first()
    return types.SimpleNamespace(
        notice=action.notice_id if action else None,
        action=action.pk if action else None,
        project=project.pk,
        unit_work=project.unit_works.order_by("pk").first().pk,
        location=usage.location_id if usage else None,
        record=photographed.most_common(1)[0][0] if photographed else None,
        delivery=delivery.pk if delivery else None,
        sample=sample.pk if sample else None,
        defect_case=case.pk if case else None,
        document=document.pk if document else None,
        token=plaque.token if plaque else None,
        plaque_project=plaque.unit_work.project_id if plaque else None,
        plaque_unit_work=plaque.unit_work_id if plaque else None,
    )


def signed_in(browser, base: str, username: str | None):
    from projects.demo import DEMO_PASSWORD
    from tests.pages import PHONE

    context = browser.new_context(locale="zh-CN", viewport=PHONE, device_scale_factor=1)
    context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": base}])
    page = context.new_page()
    if username is not None:
        page.goto(f"{base}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("article.sign-in button[type=submit]")
        if "/login/" in page.url:
            raise SystemExit(f"Could not sign in as {username} at {base}/login/")
    return page


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base", help="the running archive, e.g. http://127.0.0.1:8790")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--only", nargs="*", help="file names of PAGES to take (default: all)")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.urls import NoReverseMatch, reverse
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, FLAGS
    from tests.pages import PHONE

    c = demo_context()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # no ORM call after this point anyway
    with sync_playwright() as playwright:
        # A Chinese system locale: fonts as a Chinese phone picks them (headless chromium still
        # labels the file picker in English).
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[*FLAGS, "--lang=zh-CN"],
            env={**os.environ, "LANGUAGE": "zh_CN", "LANG": "zh_CN.UTF-8"},
        )
        pages: dict[str | None, object] = {}
        for name, url_name, username, arguments, *width in PAGES:
            width = width[0] if width else PHONE["width"]
            if args.only and name not in args.only:
                continue
            try:
                url = base + reverse(url_name, args=arguments(c))
            except NoReverseMatch:
                print(f"{name:<16} skipped (not built: {url_name})")
                continue
            if username not in pages:
                pages[username] = signed_in(browser, base, username)
            page = pages[username]
            response = page.goto(url)
            if response is None or response.status == 404:
                print(f"{name:<16} skipped (404 at {url})")
                continue
            if width != PHONE["width"]:
                page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_load_state("networkidle")
            path = out / f"{name}.png"
            # The whole page in one viewport as tall as the page, rather than full_page=True:
            # a fixed bottom bar then sits at the bottom instead of over the middle.
            height = page.evaluate("() => document.documentElement.scrollHeight")
            page.set_viewport_size({"width": width, "height": max(PHONE["height"], height)})
            page.screenshot(path=str(path))
            page.set_viewport_size(PHONE)
            print(f"{name:<16} {response.status} {url} -> {path.relative_to(ROOT)}")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
