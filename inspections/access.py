"""Who may see and change acceptance records and their photos. Both belong to a project and
follow its rules (``projects.access``): the API, the photo page and the list endpoints all
ask these helpers, so a list never shows what a detail would refuse."""

from __future__ import annotations

from django.db.models import QuerySet

from inspections.models import AcceptanceRecord, Photo
from projects.access import not_found, project_for_user, project_records_visible_to


def records_visible_to(user) -> QuerySet[AcceptanceRecord]:
    return project_records_visible_to(user, AcceptanceRecord.objects.all())


def record_for_user(user, project_id, record_id, *, write: bool = False) -> AcceptanceRecord:
    """The record if ``user`` may see its project (and change its records, with ``write``).

    The project is checked first, as ``project_for_user`` does: an outsider gets a 404 that
    does not reveal whether the project exists, a reader who asks to write a 403 saying why.
    A record of another project, or none, is a 404 too.
    """
    project = project_for_user(user, project_id, write=write)
    record = records_visible_to(user).filter(project=project, pk=record_id).first()
    if record is None:
        raise not_found()
    record.project = project  # already read, with the site position the photo checks use
    return record


def photos_visible_to(user) -> QuerySet[Photo]:
    return project_records_visible_to(user, Photo.objects.all())


def photo_for_user(user, project_id, photo_id) -> Photo:
    """A photo of a project ``user`` may see. Photos are never changed, only added to their
    record (``record_for_user`` with ``write``)."""
    project = project_for_user(user, project_id)
    photo = photos_visible_to(user).filter(project=project, pk=photo_id).first()
    if photo is None:
        raise not_found()
    return photo
