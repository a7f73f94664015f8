"""Optional Prometheus metrics (``METRICS_ENABLED=1``): request latency from django-prometheus'
middleware, plus the archive's own counters: evidence files stored, ledger entries committed
and job outcomes.

``/metrics`` is not public: it answers only a request with ``Authorization: Bearer
<METRICS_TOKEN>`` (Prometheus' ``authorization: credentials_file``). A token rather than an
allowed network because behind the proxy every request comes from the proxy's address.
With several gunicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory per
host (prometheus_client's multiprocess mode) so one scrape sums every worker.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from prometheus_client import Counter

UPLOADS = Counter(
    "lqa_uploads_total",
    "Files stored in the object store (new bytes; a re-sent file is not counted)",
    ["bucket"],
)
LEDGER_APPENDS = Counter("lqa_ledger_appends_total", "Ledger entries committed")
JOB_OUTCOMES = Counter(
    "lqa_job_outcomes_total",
    "Jobs run, by job and outcome (succeeded, failed, retried)",
    ["job", "outcome"],
)


def upload_counted(bucket: str) -> None:
    if settings.METRICS_ENABLED:
        transaction.on_commit(UPLOADS.labels(bucket=bucket).inc)


def ledger_append_counted() -> None:
    # Counted when the transaction commits: a rolled-back write took its entry with it.
    if settings.METRICS_ENABLED:
        transaction.on_commit(LEDGER_APPENDS.inc)


def job_outcome_counted(job: str, outcome: str) -> None:
    if settings.METRICS_ENABLED:
        JOB_OUTCOMES.labels(job=job, outcome=outcome).inc()


def metrics_view(request) -> HttpResponse:
    from django_prometheus.exports import ExportToDjangoView

    given = request.headers.get("Authorization", "")
    expected = f"Bearer {settings.METRICS_TOKEN}"
    if not hmac.compare_digest(given.encode(), expected.encode()):
        response = HttpResponse("A metrics token is required.\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return ExportToDjangoView(request)
