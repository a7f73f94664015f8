"""The installable app: the capture page (at a location or for the whole project), the queue
page, the web app manifest and the service worker, served from the root so that its scope
covers every page."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from capture.forms import CaptureForm
from config.pages import crumbs
from inspections import selectors as inspection_selectors
from materials import selectors as material_selectors
from materials.models import Delivery
from projects.access import location_for_user, project_for_user
from responsibility import selectors as responsibility_selectors

# The queue's IndexedDB, hashing and sending, shared by the pages and the service worker.
QUEUE_SCRIPT = "capture/queue.js"


@login_required
def capture_page(request, project_id: int, location_id: int | None = None):
    """Record photos and notes for the project — at ``location_id`` when a location's QR
    label brought the user here — into the phone's queue, signal or not. The page lists
    what an item can be attached to as it was when the page was last opened online."""
    project = project_for_user(request.user, project_id, write=True)
    location = location_for_user(request.user, project_id, location_id) if location_id else None
    records = inspection_selectors.record_list(user=request.user, project=project).exclude(
        state="accepted"
    )
    if location is not None:
        here = records.filter(locations=location)
        records = here if here.exists() else records
    form = CaptureForm(
        records=records,
        deliveries=material_selectors.delivery_list(user=request.user, project=project)
        .exclude(state__in=[Delivery.State.ACCEPTED, Delivery.State.REJECTED])
        .select_related("batch"),
        cases=responsibility_selectors.defect_case_list(user=request.user, project=project).filter(
            state="open"
        ),
        batches=material_selectors.batch_choices(user=request.user, project=project),
        staff=material_selectors.contractor_staff(user=request.user, project=project),
        witnesses=material_selectors.witness_candidates(user=request.user, project=project),
        labs=material_selectors.lab_choices(project=project),
        initial={
            "kind": "record_photo",
            "delivered_on": timezone.localdate(),
            "sampled_on": timezone.localdate(),
            "photo_of": "label",
        },
    )
    trail = [(_("Capture on site"), None)]
    if location is not None:
        trail.insert(0, (location.name, None))
    return render(
        request,
        "capture/capture.html",
        {
            "project": project,
            "location": location,
            "form": form,
            "api_url": reverse("capture-create", args=[project.pk]),
            "queue_url": reverse("capture-queue-page"),
            "nav_active": "projects",
            "breadcrumbs": crumbs(project, *trail),
        },
    )


@login_required
def queue_page(request):
    """Every item waiting on this phone, read from its IndexedDB by the page's script: the
    server knows nothing of them until they are sent."""
    return render(
        request,
        "capture/queue.html",
        {"nav_active": "capture", "breadcrumbs": [(_("Waiting to send"), None)]},
    )


def web_manifest(request):
    """The web app manifest, in the request's language, so the phone can install the site."""
    return JsonResponse(
        {
            "name": _("Lifetime Quality Archive"),
            "short_name": _("Quality archive"),
            "description": _("Record acceptance photos, deliveries and samples on site."),
            "lang": request.LANGUAGE_CODE,
            "start_url": reverse("home"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1d4e89",
            "icons": [
                {"src": static("capture/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("capture/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": static("capture/icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
def service_worker(request):
    """The service worker, at the root so its scope is every page. Its text names the
    release (``release_version``): a new release changes it, the browser installs the new
    worker, which caches the new static files and drops the old ones. The queue is in
    IndexedDB, which no update touches."""
    body = render(
        request,
        "capture/sw.js",
        {
            "version": release_version(),
            "static_urls": precached_static_urls(),
            "pages": [reverse("capture-queue-page")],
            "queue_script": static(QUEUE_SCRIPT),
            "static_prefix": static(""),
        },
        content_type="text/javascript",
    )
    body["Service-Worker-Allowed"] = "/"
    return body


def release_version() -> str:
    """The release the service worker caches: CAPTURE_RELEASE when set, else the static
    manifest's hash (a release with collected, hashed static files), else a hash of the
    site's static files' sizes and times (make run, the tests)."""
    if settings.CAPTURE_RELEASE:
        return settings.CAPTURE_RELEASE
    manifest = _manifest_path()
    if manifest is not None:
        return hashlib.sha256(manifest.read_bytes()).hexdigest()[:16]
    digest = hashlib.sha256()
    for path in _site_static_files():
        stat = finders.find(path) and Path(finders.find(path)).stat()
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def precached_static_urls() -> list[str]:
    """The URLs of the static files the site's own pages load — those of this repository's
    apps and ``static/`` (vendored libraries included), not Django admin's or Swagger's —
    so that every page opened once works offline."""
    return [static(path) for path in _site_static_files()]


def _manifest_path() -> Path | None:
    if not hasattr(staticfiles_storage, "manifest_name") or not settings.STATIC_ROOT:
        return None
    path = Path(settings.STATIC_ROOT) / staticfiles_storage.manifest_name
    return path if path.exists() else None


@lru_cache(maxsize=1)
def _site_static_files() -> tuple[str, ...]:
    root = Path(settings.BASE_DIR).resolve()
    paths = set()
    for finder in finders.get_finders():
        for path, storage in finder.list(["*.map", "*.md", "LICENSE*", "*.txt"]):
            location = Path(storage.location).resolve()
            if root in location.parents and ".venv" not in location.parts:
                paths.add(path.replace("\\", "/"))
    return tuple(sorted(paths))
