"""Two gunicorn app processes of two workers each and a job worker, on the session's real
PostgreSQL and S3 server, driven concurrently by locust with the site's mix (deliveries,
usages, inspection lots with photos and both sign-offs, document signing, trace and recall
reads, exports): nothing answered or logged as a server error, the archive verifies, the
ledger has no gap, the object store reconciles, and every write acknowledged is there.

bench/load_bench.py does the work (the same run, longer, is in bench/RESULTS.md); this runs
it for 20 seconds on a copy of the session's migrated database and buckets of its own.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection, connections

from bench.load_bench import print_report, run_load

KINDS = {
    "usage_create",
    "delivery_create",
    "lot_create",
    "photo_upload",
    "lot_submit",
    "signoff",
    "lot_accept",
    "document_sign",
    "trace_read",
    "recall_read",
    "export",
}


@pytest.mark.slow
def test_two_app_processes_and_a_job_worker_under_load_lose_nothing(transactional_db, s3_server):
    template = connection.settings_dict["NAME"]  # the session's migrated test database
    connections.close_all()  # a database is copied only while nobody is connected to it
    report = run_load(
        server_url=os.environ["DATABASE_URL"],
        s3={
            "endpoint": s3_server.endpoint,
            "access_key": s3_server.access_key,
            "secret_key": s3_server.secret_key,
        },
        seconds=20,
        users=8,
        fast_hasher=True,
        template=template,
        demo_completed=False,
    )
    print_report(report)  # shown by pytest when the test fails
    assert report["ok"], report["problems"]
    stats = report["load"]["stats"]
    # Every kind of request was made, concurrently, and none was refused or failed.
    assert {name for name, row in stats.items() if row["requests"]} >= KINDS, stats
    assert stats["Aggregated"]["failures"] == 0, report["load"]["failures"]
    acknowledged = report["checks"]["acknowledged"]
    for kind in ("usage", "delivery", "record", "photo", "accepted_record", "signed_document"):
        assert acknowledged.get(kind, 0) > 0, acknowledged
    assert report["checks"]["gap_free"]
    assert report["ledger_entries_added"] > 0
