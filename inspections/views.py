"""Pages: a record's photos, uploaded from a phone with each file's own progress and result."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from inspections import selectors
from projects import access


@login_required(login_url="rest_framework:login")
def record_photos_page(request, project_id: int, record_id: int):
    """The record's photos; those who may write it add more, several at a time. The page
    uploads through the photo API, one request per file, so each file shows its own
    progress bar and the server's own verdict (accepted, duplicate, or refused and why)."""
    project = access.project_for_user(request.user, project_id)
    record = selectors.record_list(project=project).filter(pk=record_id).first()
    if record is None:
        raise access.not_found()
    photos = selectors.record_photo_list(record=record)
    return render(
        request,
        "inspections/record_photos.html",
        {
            "project": project,
            "record": record,
            "photos": photos,
            "can_upload": access.can_write_project(request.user, project),
        },
    )
