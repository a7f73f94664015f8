"""Backup and restore of the whole archive: the PostgreSQL database and every version in the
object store's two buckets, with its retention and legal hold.

A backup is a directory::

    backup.json       when, what, counts, and the ledger's latest checkpoint at that moment
    database.dump     pg_dump -Fc of the archive's database
    objects.jsonl     one line per object version: bucket, key, version, latest, type, size,
                      SHA-256, retention, legal hold, and the file holding its bytes
    objects/ab/<sha256>   the bytes, once per distinct content

The database is dumped FIRST, then the buckets are copied: every row in the dump had its
object put before the row committed (storage.services), so every row finds its object in
the copy; an object put after the dump is at worst an orphan of the restored archive.

Restoring goes into an EMPTY database and an object store without the archive's buckets.
The S3 API cannot choose a version id: each version gets a new one. So the restore re-puts
the versions oldest first (the latest stays the latest), each with its retention and hold in
the same request, and then records, through the ledger, the new version id of every
stored-file row whose version moved — an UPDATE entry per row, appended after the dump's
entries, so the restored ledger still proves everything the original's checkpoints signed.

Both directions are resumable after Ctrl+C (files already copied, versions already put —
kept in ``restored.jsonl`` — are skipped) and print counts and a rate as they go.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ledger.models import Checkpoint, LedgerEntry
from ledger.services import ledger_append
from storage import gateway
from storage.models import StoredObject

PG_BIN_CANDIDATES = [Path(f"/usr/lib/postgresql/{v}/bin") for v in (17, 16, 15, 14, 13)]

Progress = Callable[[str, int, int, int], None]  # (phase, done, total, bytes)


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


class Interrupt:
    """Set ``requested`` (from a signal handler) to stop after the current object."""

    requested: bool = False


@dataclass
class Outcome:
    versions: int = 0
    bytes: int = 0
    skipped: int = 0
    remapped: int = 0
    interrupted: bool = False


def pg_tool(name: str) -> str:
    for candidate in PG_BIN_CANDIDATES:
        if (candidate / name).exists():
            return str(candidate / name)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found: install the PostgreSQL client tools.")
    return found


def _database() -> dict:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("Backups are of a PostgreSQL database; DATABASE_URL names another.")
    return db


def _pg_args_env(db: dict) -> tuple[list[str], dict]:
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    args = [
        "-h",
        str(db["HOST"] or "127.0.0.1"),
        "-p",
        str(db["PORT"] or 5432),
        "-U",
        str(db["USER"] or "postgres"),
        "-d",
        str(db["NAME"]),
    ]
    return args, env


def _checkpoint() -> dict | None:
    latest = Checkpoint.objects.order_by("-tree_size", "-signed_at").first()
    if latest is None:
        return None
    return {
        "tree_size": latest.tree_size,
        "root_hash": latest.root_hash,
        "signed_at": latest.signed_at.isoformat(),
    }


def _buckets() -> list[str]:
    return [settings.S3_ARCHIVE_BUCKET, settings.S3_DERIVED_BUCKET]


# --- Backup ---


def backup(
    target: Path, *, progress: Progress | None = None, interrupt: Interrupt | None = None
) -> Outcome:
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    (target / "objects").mkdir(exist_ok=True)
    outcome = Outcome()
    db = _database()
    args, env = _pg_args_env(db)
    dump = target / "database.dump"
    partial = dump.with_suffix(".dump.partial")
    done = subprocess.run(
        [pg_tool("pg_dump"), "-Fc", "-f", str(partial), *args],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    partial.replace(dump)
    summary = {
        "format": 1,
        "started_at": timezone.now().isoformat(),
        "database": {"name": db["NAME"], "records": StoredObject.objects.count()},
        "ledger_entries": LedgerEntry.objects.count(),
        "checkpoint": _checkpoint(),
    }
    listed = [(bucket, v) for bucket in _buckets() for v in gateway.list_versions(bucket)]
    manifest = target / "objects.jsonl.partial"
    with manifest.open("w") as out:
        for n, (bucket, version) in enumerate(listed, start=1):
            if interrupt is not None and interrupt.requested:
                outcome.interrupted = True
                break
            if version.is_delete_marker:
                outcome.skipped += 1
                continue
            line, copied = _backup_version(target, bucket, version)
            out.write(json.dumps(line, sort_keys=True) + "\n")
            outcome.versions += 1
            outcome.bytes += copied
            if progress is not None:
                progress("objects", n, len(listed), outcome.bytes)
    if outcome.interrupted:
        return outcome  # the manifest stays .partial: this is not a backup yet
    manifest.replace(target / "objects.jsonl")
    summary["finished_at"] = timezone.now().isoformat()
    summary["versions"] = outcome.versions
    summary["bytes"] = outcome.bytes
    (target / "backup.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return outcome


def _backup_version(target: Path, bucket: str, version) -> tuple[dict, int]:
    info = gateway.stat(bucket, version.key, version_id=version.version_id or None)
    digest = hashlib.sha256()
    temporary = target / "objects" / f".incoming-{os.getpid()}"
    copied = 0
    with (
        gateway.get(bucket, version.key, version_id=version.version_id or None) as stream,
        temporary.open("wb") as out,
    ):
        for chunk in stream:
            digest.update(chunk)
            out.write(chunk)
            copied += len(chunk)
    sha256 = digest.hexdigest()
    path = target / "objects" / sha256[:2] / sha256
    path.parent.mkdir(exist_ok=True)
    if path.exists():
        temporary.unlink()  # the same bytes under another key or version: kept once
        copied = 0
    else:
        temporary.replace(path)
    return {
        "bucket": bucket,
        "key": version.key,
        "version_id": version.version_id,
        "latest": version.is_latest,
        "last_modified": version.last_modified.isoformat() if version.last_modified else None,
        "content_type": info.content_type,
        "size": info.size,
        "sha256": sha256,
        "retention_until": info.retention_until.isoformat() if info.retention_until else None,
        "legal_hold": info.legal_hold,
        "file": f"objects/{sha256[:2]}/{sha256}",
    }, copied


# --- Restore ---


def restore(
    source: Path, *, progress: Progress | None = None, interrupt: Interrupt | None = None
) -> Outcome:
    source = Path(source)
    if not (source / "backup.json").exists() or not (source / "objects.jsonl").exists():
        raise BackupError(f"{source} is not a finished backup (no backup.json/objects.jsonl).")
    journal_path = source / f"restored-{_store_name()}.jsonl"
    if not journal_path.exists():  # a first run, not one resumed after Ctrl+C
        _database_restore(source / "database.dump")
        journal_path.touch()
    journal = _journal_read(journal_path)
    outcome = Outcome()
    lines = [json.loads(line) for line in (source / "objects.jsonl").read_text().splitlines()]
    # Oldest first within each key, so the version that was the latest ends the latest.
    lines.sort(key=lambda line: (line["bucket"], line["key"], not line["latest"]))
    lines.sort(key=lambda line: line["last_modified"] or "")
    gateway.buckets_ensure()
    with journal_path.open("a") as out:
        for n, line in enumerate(lines, start=1):
            if interrupt is not None and interrupt.requested:
                outcome.interrupted = True
                return outcome
            ident = f"{line['bucket']}/{line['key']}@{line['version_id']}"
            if ident in journal:
                outcome.skipped += 1
                continue
            new_version = _restore_version(source, line)
            journal[ident] = new_version
            out.write(json.dumps({"version": ident, "new": new_version}) + "\n")
            out.flush()
            outcome.versions += 1
            outcome.bytes += line["size"]
            if progress is not None:
                progress("objects", n, len(lines), outcome.bytes)
    outcome.remapped = _versions_record(journal)
    return outcome


def _store_name() -> str:
    return settings.S3_ENDPOINT.replace(":", "_").replace("/", "_") or "store"


def _journal_read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    journal = {}
    for line in path.read_text().splitlines():
        if line.strip():
            entry = json.loads(line)
            journal[entry["version"]] = entry["new"]
    return journal


def _database_restore(dump: Path) -> None:
    if connection.introspection.table_names():
        raise BackupError(
            "The database to restore into is not empty: create a new, empty database and point"
            " DATABASE_URL at it."
        )
    args, env = _pg_args_env(_database())
    done = subprocess.run(
        [
            pg_tool("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            *args,
            str(dump),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
    connection.close()  # the schema changed under Django's feet


def _restore_version(source: Path, line: dict) -> str:
    path = source / line["file"]
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for chunk in iter(lambda: data.read(1024 * 1024), b""):
            digest.update(chunk)
    if digest.hexdigest() != line["sha256"]:
        raise BackupError(f"{path} does not match its SHA-256 in the manifest: the copy is bad.")
    until = datetime.fromisoformat(line["retention_until"]) if line["retention_until"] else None
    if until is not None and until <= timezone.now():
        until = None  # its retention ended: the store would refuse a date in the past
    with path.open("rb") as data:
        put = gateway.put(
            line["bucket"],
            line["key"],
            data=data,
            length=line["size"],
            content_type=line["content_type"] or "application/octet-stream",
            retention_until=until,
            legal_hold=line["legal_hold"],
        )
    return put.version_id or ""


def _versions_record(journal: dict[str, str]) -> int:
    """Point every stored-file row at its version's new id, each change in the ledger."""
    moved = 0
    for obj in StoredObject.objects.exclude(version_id="").order_by("pk").iterator():
        new = journal.get(f"{obj.bucket}/{obj.key}@{obj.version_id}")
        if new is None or new == obj.version_id:
            continue
        with transaction.atomic():
            locked = StoredObject.objects.select_for_update().get(pk=obj.pk)
            locked.version_id = new
            locked.save(update_fields=["version_id"])
            ledger_append(record=locked, action=LedgerEntry.Action.UPDATE, actor=None)
        moved += 1
    return moved


def restore_check(source: Path) -> dict:
    """What an operator compares after a restore: the backup's checkpoint and counts."""
    return json.loads((Path(source) / "backup.json").read_text())
