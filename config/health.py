"""``/healthz`` and ``/readyz`` for the reverse proxy and the orchestrator, and the clock check.

Both answer from the first middleware, before sessions, CSRF, ALLOWED_HOSTS and the HTTPS
redirect: a probe comes over plain HTTP from an address, not the public host name, and must
neither be redirected nor refused as a bad Host. Neither needs a sign-in; neither says more
than which check failed (the details go to the log).

- ``/healthz``: the process is up and answering. No database, no object store: always fast,
  so a slow database never gets healthy app processes restarted.
- ``/readyz``: this process can serve: the database answers and its clock agrees with ours,
  every migration is applied, the object store answers with both buckets, the keys load.
  503 names what failed; the proxy sends no traffic here until it passes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"


class CheckFailed(Exception):
    """A readiness check's finding, in words safe to show anyone (no secret, no address)."""


def database_clock_offset() -> float:
    """Seconds the database's clock is ahead of this server's (negative: behind).

    The ledger's times and every ``timezone.now()`` come from this server; the database's
    ``now()`` is the one clock all app processes share. The offset is taken against the
    midpoint of the round trip, so a slow query does not count as skew.
    """
    if connection.vendor != "postgresql":
        return 0.0  # the embedded SQLite file has no clock but this server's
    with connection.cursor() as cursor:
        before = time.time()
        cursor.execute("SELECT EXTRACT(EPOCH FROM clock_timestamp())")
        (database,) = cursor.fetchone()
        after = time.time()
    return float(database) - (before + after) / 2


def _database() -> dict:
    try:
        offset = database_clock_offset()
    except DatabaseError as exc:
        logger.error("readyz: the database cannot be reached: %s", exc)
        raise CheckFailed("the database cannot be reached") from exc
    limit = settings.CLOCK_SKEW_MAX_SECONDS
    if abs(offset) > limit:
        logger.error(
            "This server's clock is %+.1f s off the database's (limit %s s): fix NTP on it;"
            " the ledger's times would be wrong.",
            -offset,
            limit,
        )
        raise CheckFailed(
            f"this server's clock is {-offset:+.1f} s off the database's (limit {limit} s)"
        )
    return {"clock_offset_seconds": round(-offset, 3)}


def _migrations() -> dict:
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CheckFailed("the database cannot be reached") from exc
    if plan:
        names = [f"{m.app_label}.{m.name}" for m, _backwards in plan]
        raise CheckFailed(f"{len(names)} migration(s) not applied: {', '.join(names[:5])}")
    return {}


def _object_store() -> dict:
    from storage import gateway
    from storage.errors import StorageError

    try:
        buckets = set(gateway.list_buckets())
    except StorageError as exc:
        logger.error("readyz: the object store cannot be reached: %s", exc)
        raise CheckFailed("the object store cannot be reached") from exc
    missing = sorted({settings.S3_ARCHIVE_BUCKET, settings.S3_DERIVED_BUCKET} - buckets)
    if missing:
        # What the first upload would do anyway (storage/gateway.py); refused when the
        # archive's S3 user may not create buckets, and then storage_init is the way.
        try:
            gateway.buckets_ensure()
        except StorageError as exc:
            logger.error("readyz: the buckets %s cannot be created: %s", missing, exc)
            raise CheckFailed(
                f"bucket(s) missing: {', '.join(missing)} (run storage_init)"
            ) from exc
    return {}


def _keys() -> dict:
    from cryptography.fernet import Fernet
    from django.core.exceptions import ImproperlyConfigured

    from ledger.signing import signing_key

    problems = []
    try:
        keys = [k for k in settings.PII_ENCRYPTION_KEYS.split(",") if k.strip()]
        for key in keys:
            Fernet(key.strip().encode())
        if not keys:
            problems.append("PII_ENCRYPTION_KEYS is empty")
    except (ValueError, TypeError):
        problems.append("PII_ENCRYPTION_KEYS holds a key that is not a Fernet key")
    if not settings.PII_INDEX_KEY.strip():
        problems.append("PII_INDEX_KEY is empty")
    try:
        signing_key()
    except ImproperlyConfigured:
        problems.append("LEDGER_SIGNING_KEY does not load as an Ed25519 key")
    if problems:
        raise CheckFailed("; ".join(problems))
    return {}


CHECKS: dict[str, Callable[[], dict]] = {
    "database": _database,
    "migrations": _migrations,
    "object_store": _object_store,
    "keys": _keys,
}


def readiness() -> tuple[bool, dict]:
    """Run every check (a failed one does not hide the others); ``(all passed, report)``."""
    report = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            result = {"ok": True, **check()}
        except CheckFailed as exc:
            result = {"ok": False, "error": str(exc)}
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        report[name] = result
    return all(r["ok"] for r in report.values()), report


_clock_checked = False


def clock_check_once() -> None:
    """At a process's first request (and a job worker's start): log an error when this
    server's clock is off the database's. Settings are loaded without a database, so an
    AppConfig.ready hook cannot do it; /readyz then keeps failing until the clock is fixed."""
    global _clock_checked
    if _clock_checked:
        return
    _clock_checked = True
    try:
        _database()
    except CheckFailed:
        pass  # _database logged it
    except Exception:  # the request itself will meet a database that does not answer
        logger.warning("Could not compare this server's clock with the database's.", exc_info=True)


class HealthMiddleware:
    """Answers the probes (and, when enabled, /metrics) before any other middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path == HEALTH_PATH:
            return _no_store(JsonResponse({"status": "ok"}))
        if path == READY_PATH:
            ok, report = readiness()
            if not ok:
                failed = [name for name, result in report.items() if not result["ok"]]
                logger.warning("readyz: not ready: %s", ", ".join(failed))
            return _no_store(
                JsonResponse(
                    {"status": "ok" if ok else "fail", "checks": report},
                    status=200 if ok else 503,
                )
            )
        if path == "/metrics" and settings.METRICS_ENABLED:
            from config.metrics import metrics_view

            return metrics_view(request)
        clock_check_once()
        return self.get_response(request)


def _no_store(response):
    response["Cache-Control"] = "no-store"
    # Probes come every few seconds: a 503 is logged once above, as a warning naming the
    # failed checks, not again by django.request as an error per probe.
    response._has_been_logged = True
    return response
