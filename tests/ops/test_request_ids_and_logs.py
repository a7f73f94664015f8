"""Request ids, JSON log lines and the optional /metrics, as an operator reading the logs
and a Prometheus scraper meet them."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.http import JsonResponse
from django.test import override_settings
from django.urls import path

from config.requestid import HEADER
from jobs.engine import run_queued
from tests.conftest import credit_code
from tests.jobs import sample_jobs


def enqueue_view(request):
    result = sample_jobs.always_fails.enqueue("the reason")
    logging.getLogger("tests.enqueue").info("queued %s", result.id)
    return JsonResponse({"job": result.id}, status=202)


def failing_view(request):
    raise RuntimeError("the view broke")


urlpatterns = [path("enqueue/", enqueue_view), path("fail/", failing_view)]


@pytest.fixture
def log_lines():
    """What the configured console handler writes (its real filter and formatter), line by
    line, parsed as JSON: every line must be one JSON object."""
    (handler,) = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    captured = io.StringIO()
    previous = handler.setStream(captured)
    try:
        yield lambda: [json.loads(line) for line in captured.getvalue().splitlines()]
    finally:
        handler.setStream(previous)


def test_a_request_gets_an_id_echoed_in_its_response(client):
    first = client.get("/healthz")[HEADER]
    second = client.get("/healthz")[HEADER]
    assert len(first) == 32
    assert first != second


def test_the_proxys_request_id_is_kept_when_well_formed_and_replaced_when_not(client):
    nginx = "0f3c2a9d8b7e6f5a4c3b2a1908f7e6d5"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=nginx)[HEADER] == nginx
    for bad in ("short", "two words here please", "x" * 200, 'a"quote"1234567', "ab\ncd1234567"):
        answered = client.get("/healthz", HTTP_X_REQUEST_ID=bad)[HEADER]
        assert answered != bad
        assert len(answered) == 32


@pytest.mark.urls(__name__)
def test_a_failing_request_logs_one_json_line_with_its_id_and_the_traceback(client, log_lines):
    client.raise_request_exception = False
    response = client.get("/fail/", HTTP_X_REQUEST_ID="req-7d1e2f3a4b5c")
    assert response.status_code == 500
    assert response[HEADER] == "req-7d1e2f3a4b5c"
    (line,) = [line for line in log_lines() if line["logger"] == "django.request"]
    assert set(line) == {"time", "level", "logger", "message", "request_id", "exception"}
    assert line["level"] == "ERROR"
    assert line["request_id"] == "req-7d1e2f3a4b5c"
    assert line["message"] == "Internal Server Error: /fail/"
    assert 'RuntimeError("the view broke")' in line["exception"] or (
        "RuntimeError: the view broke" in line["exception"]
    )
    assert line["time"].endswith("+00:00")


@pytest.mark.urls(__name__)
def test_a_job_queued_by_a_request_logs_under_that_requests_id(client, db, log_lines):
    response = client.post("/enqueue/", HTTP_X_REQUEST_ID="req-from-the-proxy-42")
    assert response.status_code == 202
    assert run_queued(max_jobs=1) == 1  # fails, logs, and queues its retry
    lines = log_lines()
    queued = [line for line in lines if line["logger"] == "tests.enqueue"]
    assert queued[0]["request_id"] == "req-from-the-proxy-42"
    (failure,) = [line for line in lines if line["logger"] == "jobs"]
    assert failure["request_id"] == "req-from-the-proxy-42"
    assert failure["message"].startswith("job tests.jobs.sample_jobs.always_fails failed")
    assert "ValueError: the reason" in failure["exception"]


def test_a_job_queued_outside_a_request_logs_under_its_own_id(db, log_lines):
    result = sample_jobs.always_fails.enqueue("scheduled")
    run_queued(max_jobs=1)
    (failure,) = [line for line in log_lines() if line["logger"] == "jobs"]
    assert failure["request_id"] == f"job-{result.id}"


METRICS = {
    "METRICS_ENABLED": True,
    "METRICS_TOKEN": "a-scrapers-token-0123456789",
}


def _metric(text: str, name: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name) and not line.startswith("#")
    )


@override_settings(**METRICS)
def test_metrics_need_the_token(client):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS['METRICS_TOKEN']}")
    assert response.status_code == 200
    assert b"lqa_ledger_appends_total" in response.content


@override_settings(METRICS_ENABLED=False)
def test_without_metrics_enabled_there_is_no_metrics_page(client, db):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS['METRICS_TOKEN']}")
    assert response.status_code == 404


@override_settings(**METRICS)
def test_metrics_count_committed_ledger_appends_and_job_outcomes(
    client, admin, django_capture_on_commit_callbacks
):
    from projects import services

    def scrape() -> str:
        auth = f"Bearer {METRICS['METRICS_TOKEN']}"
        return client.get("/metrics", HTTP_AUTHORIZATION=auth).content.decode()

    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        services.organization_create(
            name="杭州测试有限公司", credit_code=credit_code("91330100MA2H0000X"), actor=admin
        )
    sample_jobs.always_fails.enqueue("counted")
    run_queued(max_jobs=1)
    after = scrape()
    assert _metric(after, "lqa_ledger_appends_total") == (
        _metric(before, "lqa_ledger_appends_total") + 1
    )
    retried = 'lqa_job_outcomes_total{job="tests.jobs.sample_jobs.always_fails",outcome="retried"}'
    assert _metric(after, retried) == _metric(before, retried) + 1
