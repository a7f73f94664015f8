"""Pages: a record's photos, uploaded from a phone with each file's own progress and result."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from inspections import access, selectors
from projects.access import can_write_project


@login_required
def record_photos_page(request, project_id: int, record_id: int):
    """The record's photos; those who may write it add more, several at a time. The page
    uploads through the photo API, one request per file, so each file shows its own
    progress bar and the server's own verdict (accepted, duplicate, or refused and why)."""
    record = access.record_for_user(request.user, project_id, record_id)
    photos = selectors.record_photo_list(user=request.user, record=record)
    return render(
        request,
        "inspections/record_photos.html",
        {
            "project": record.project,
            "record": record,
            "photos": photos,
            "can_upload": can_write_project(request.user, record.project),
        },
    )
