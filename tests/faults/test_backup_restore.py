"""The backup and restore drill (README "Backup and restore"): the demo archive is backed
up with ``backup_archive``, restored with ``restore_archive`` into a fresh PostgreSQL and a
fresh S3 server, and the restored archive passes ``verify_archive``, ``audit_fixity`` and
``verify_package`` of an export, with the original's latest checkpoint in its ledger.

Every step is the command an operator runs, in its own process, on real servers: the
original on a PostgreSQL cluster of its own (a copy of the session's migrated database) and
an S3 server of its own, the restore on an empty cluster and another S3 server."""

from __future__ import annotations

import json
import time
import zipfile

import pytest

from storage.embedded import EmbeddedS3
from tests.faults.apps import AppServer, FaultPostgres
from tests.servers import ThrowawayPostgres

LATEST_CHECKPOINT = """
import json
from ledger.models import Checkpoint, LedgerEntry
from storage.models import StoredObject
from responsibility.models import ResponsibilityDocument
c = Checkpoint.objects.order_by("-tree_size", "-signed_at").first()
print(json.dumps({
    "checkpoint": [c.tree_size, c.root_hash],
    "entries": LedgerEntry.objects.count(),
    "stored": StoredObject.objects.count(),
    "signed": ResponsibilityDocument.objects.filter(status="signed").count(),
    "project": ResponsibilityDocument.objects.values_list("project_id", flat=True).first(),
}))
"""


def _state(server: AppServer) -> dict:
    return json.loads(server.manage("shell", "-c", LATEST_CHECKPOINT).strip().splitlines()[-1])


@pytest.fixture
def servers(db, tmp_path):
    started = []
    try:
        original_pg = FaultPostgres()
        started.append(original_pg)
        original_url = original_pg.start_copy()
        restored_pg = ThrowawayPostgres()
        started.append(restored_pg)
        restored_url = restored_pg.start()
        stores = []
        for name in ("original", "restored"):
            store = EmbeddedS3(
                data_dir=tmp_path / f"s3-{name}", access_key="drill", secret_key="drill-secret"
            )
            started.append(store)
            store.start()
            stores.append(store)
        apps = []
        for url, store in ((original_url, stores[0]), (restored_url, stores[1])):
            apps.append(
                AppServer(
                    database_url=url,
                    var_dir=tmp_path / "var",  # the same keys: they are restored from their own
                    extra_env={
                        "S3_ENDPOINT": store.endpoint,
                        "S3_ACCESS_KEY": store.access_key,
                        "S3_SECRET_KEY": store.secret_key,
                        "S3_TIMEOUT_SECONDS": "10",
                        "S3_RETRIES": "3",
                    },
                )
            )
        yield apps[0], apps[1]
    finally:
        for server in reversed(started):
            server.stop()


@pytest.mark.slow
def test_the_demo_archive_backed_up_and_restored_into_fresh_servers_verifies(servers, tmp_path):
    original, restored = servers
    original.manage("load_demo", "-v", "0", timeout=600)
    original.manage("ledger_checkpoint")
    before = _state(original)
    assert before["stored"] > 0
    assert before["signed"] > 0

    started = time.monotonic()
    backup_dir = tmp_path / "backup"
    out = original.manage("backup_archive", str(backup_dir), timeout=600)
    assert "Backed up into" in out
    summary = json.loads((backup_dir / "backup.json").read_text())
    assert [summary["checkpoint"]["tree_size"], summary["checkpoint"]["root_hash"]] == before[
        "checkpoint"
    ]

    out = restored.manage("restore_archive", str(backup_dir), timeout=600)
    assert "Restored" in out
    drill_seconds = time.monotonic() - started
    after = _state(restored)
    # The original's latest checkpoint is the restored one's; the ledger only grew by the
    # records of where each version now lives.
    assert after["checkpoint"] == before["checkpoint"]
    assert after["stored"] == before["stored"]
    assert after["signed"] == before["signed"]
    assert after["entries"] >= before["entries"]

    restored.manage("verify_archive", timeout=600)  # exit status 0: no sign of tampering
    fixity = restored.manage("audit_fixity", timeout=600)
    assert f"{before['stored']:,} objects checked" in fixity, fixity
    assert "0 problems" in fixity
    assert "0 records without their object" in restored.manage("reconcile_storage")

    package = tmp_path / "restored.zip"
    restored.manage("export_archive", str(after["project"]), "-o", str(package), timeout=600)
    assert zipfile.is_zipfile(package)
    restored.manage("verify_package", str(package), timeout=600)
    print(f"backup and restore of the demo archive: {drill_seconds:.1f} s")  # noqa: T201
