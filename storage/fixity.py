"""The fixity audit: read every stored object back, hash it, and compare with its row.

Objects are taken in id order; the run's cursor is saved (and ledgered) every
``SAVE_EVERY`` objects and when it stops, so an interrupted run resumes where it stopped. An
unreachable object store stops the run as "unreachable": it is never taken for a changed
object. ``--older-than`` skips the objects a run checked within that many days.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from ledger.services import ledger_append
from storage import gateway
from storage.errors import ObjectNotFound, StorageError, StorageUnavailable
from storage.models import FixityFinding, FixityRun, StoredObject

SAVE_EVERY = 100

Progress = Callable[[FixityRun, float], None]


@dataclass
class Interrupt:
    """Set ``requested`` (from a signal handler) to stop after the current object."""

    requested: bool = False


def _save(instance, *, action: str) -> None:
    with transaction.atomic():
        instance.save()
        ledger_append(record=instance, action=action, actor=None)


def recently_checked(days: int) -> Q:
    """The objects a run started within ``days`` days has checked, as id ranges."""
    since = timezone.now() - datetime.timedelta(days=days)
    covered = Q(pk__in=[])
    for first, last in FixityRun.objects.filter(started_at__gte=since).values_list(
        "first_id", "cursor"
    ):
        if last >= first:
            covered |= Q(pk__gte=first, pk__lte=last)
    return covered


def objects_to_check(run: FixityRun) -> QuerySet[StoredObject]:
    objects = StoredObject.objects.filter(pk__gt=run.cursor)
    if run.options.get("bucket"):
        objects = objects.filter(bucket=run.options["bucket"])
    if run.options.get("older_than") is not None:
        objects = objects.exclude(recently_checked(run.options["older_than"]))
    return objects.order_by("pk")


def run_start(
    *,
    older_than: int | None = None,
    limit: int | None = None,
    bucket: str | None = None,
    resume: bool = False,
) -> FixityRun:
    """A new run, or with ``resume`` the continuation of the last one that did not finish."""
    previous = None
    if resume:
        # The latest run only: a run continued by a later one stays "interrupted" itself, and
        # must not be continued a second time once its continuation has finished.
        previous = FixityRun.objects.order_by("-pk").first()
        if previous is not None and previous.state == FixityRun.State.FINISHED:
            previous = None
    if previous is not None:
        options = previous.options | ({"limit": limit} if limit else {})
        run = FixityRun(options=options, resumed_from=previous, cursor=previous.cursor)
        run.first_id = previous.cursor + 1
    else:
        options = {"older_than": older_than, "limit": limit, "bucket": bucket}
        run = FixityRun(options=options)
    _save(run, action="create")
    return run


def check_object(obj: StoredObject) -> tuple[str | None, str, int | None, str]:
    """(problem kind or None, SHA-256 read, size read, detail). Raises StorageUnavailable."""
    digest = hashlib.sha256()
    size = 0
    try:
        with gateway.get(obj.bucket, obj.key, version_id=obj.version_id or None) as stream:
            for chunk in stream:
                digest.update(chunk)
                size += len(chunk)
    except StorageUnavailable:
        raise
    except ObjectNotFound as exc:
        return FixityFinding.Kind.MISSING, "", None, str(exc)
    except StorageError as exc:
        return FixityFinding.Kind.UNREADABLE, "", None, str(exc)
    found = digest.hexdigest()
    if found != obj.sha256 or size != obj.size:
        detail = f"stored {obj.size} bytes, SHA-256 {obj.sha256}; read {size} bytes, {found}"
        return FixityFinding.Kind.CHANGED, found, size, detail
    return None, found, size, ""


def run_audit(
    run: FixityRun, *, interrupt: Interrupt | None = None, progress: Progress | None = None
) -> FixityRun:
    """Check objects until done, the limit, an interrupt or an unreachable store."""
    interrupt = interrupt or Interrupt()
    limit = run.options.get("limit")
    began = time.monotonic()
    since_save = 0
    state = FixityRun.State.FINISHED
    for obj in objects_to_check(run).iterator(chunk_size=500):
        if interrupt.requested or (limit and run.checked >= limit):
            state = FixityRun.State.INTERRUPTED
            break
        try:
            kind, found, size, detail = check_object(obj)
        except StorageUnavailable:
            state = FixityRun.State.UNREACHABLE
            break
        if run.first_id == 0:
            run.first_id = obj.pk
        run.cursor = obj.pk
        run.checked += 1
        run.bytes_read += size or 0
        if kind is None:
            run.intact += 1
        else:
            run.problems += 1
            finding = FixityFinding(
                run=run,
                stored_object=obj,
                kind=kind,
                found_sha256=found if kind == FixityFinding.Kind.CHANGED else "",
                found_size=size,
                detail=detail,
            )
            _save(finding, action="create")
        since_save += 1
        if since_save >= SAVE_EVERY:
            _save(run, action="update")
            since_save = 0
        if progress is not None:
            progress(run, time.monotonic() - began)
    if limit and run.checked >= limit and state == FixityRun.State.FINISHED:
        state = FixityRun.State.INTERRUPTED if objects_to_check(run).exists() else state
    run.state = state
    run.finished_at = timezone.now()
    _save(run, action="state")
    return run
