import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from storage.backup import BackupError, restore
from storage.management.commands.backup_archive import interruptible, progress_printer


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_archive into an EMPTY database (DATABASE_URL) and an"
        " object store without the archive's buckets (S3_*): the database, then every object"
        " version with its retention and legal hold, then the stored-file records pointed at"
        " their new version ids (ledgered). Ctrl+C stops after the current object; running it"
        " again goes on. Then run verify_archive and audit_fixity."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        started = time.monotonic()
        printer = progress_printer(self.stderr, "restored")
        try:
            outcome = interruptible(
                lambda interrupt: restore(directory, progress=printer, interrupt=interrupt)
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write("")
        if outcome.interrupted:
            raise CommandError(
                f"Interrupted after {outcome.versions:,} object versions; run the same command"
                " again to finish."
            )
        summary = json.loads((directory / "backup.json").read_text())
        checkpoint = summary.get("checkpoint") or {}
        self.stdout.write(
            f"Restored {outcome.versions:,} object versions"
            f" ({outcome.skipped:,} already there) and {outcome.remapped:,} stored-file"
            f" records' version ids in {time.monotonic() - started:,.1f} s."
        )
        if checkpoint:
            self.stdout.write(
                f"The backup's latest checkpoint: {checkpoint['tree_size']:,} entries, root"
                f" {checkpoint['root_hash']}. Now run verify_archive and audit_fixity."
            )
