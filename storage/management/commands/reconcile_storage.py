import re
import signal
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from storage.reconcile import Interrupt, orphans_remove, reconcile


def duration(text: str) -> timedelta:
    """``7d``, ``12h``, ``30m``: the grace period of --older-than."""
    match = re.fullmatch(r"\s*(\d+)\s*([dhm])\s*", text)
    if not match:
        raise ValueError(text)
    number, unit = int(match[1]), match[2]
    return timedelta(**{{"d": "days", "h": "hours", "m": "minutes"}[unit]: number})


class Command(BaseCommand):
    help = (
        "Compare the object store with the stored-file records: records whose object is gone"
        " (missing evidence: exit status 1) and objects without a record (orphans of failed"
        " or killed uploads, kept under a legal hold: reported). Committed records whose"
        " retention a dead process did not set get it. With --remove-orphans, orphans older"
        " than --older-than are listed, and with --confirm their hold is lifted and they are"
        " deleted; a version under retention, or one a record points at, never is."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--remove-orphans",
            action="store_true",
            help="list the orphans past the grace period that can be removed (a dry run)",
        )
        parser.add_argument(
            "--older-than",
            type=duration,
            default=timedelta(days=7),
            metavar="AGE",
            help="grace period of --remove-orphans, e.g. 7d, 12h, 30m (default 7d)",
        )
        parser.add_argument(
            "--confirm",
            action="store_true",
            help="with --remove-orphans: really lift their holds and delete them",
        )

    def handle(self, *args, remove_orphans, older_than, confirm, **options):
        if confirm and not remove_orphans:
            raise CommandError("--confirm goes with --remove-orphans.")
        began = time.monotonic()

        def listed(count: int) -> None:
            seconds = max(time.monotonic() - began, 1e-6)
            self.stderr.write(
                f"\r{count:,} object versions listed, {count / seconds:,.0f}/s", ending=""
            )

        result = reconcile(progress=listed)
        self.stderr.write("")
        self.stdout.write(
            f"{result.rows:,} records, {result.listed:,} object versions in the store;"
            f" {len(result.missing):,} records without their object,"
            f" {len(result.orphans):,} objects without a record."
        )
        if result.settled:
            self.stdout.write(
                f"  {result.settled:,} recorded file(s) left under a legal hold by a stopped"
                " process now have their retention."
            )
        for orphan in result.orphans:
            self.stdout.write(f"  orphan (no record): {orphan.describe()}")
        for obj in result.missing:
            self.stdout.write(
                f"  MISSING: {obj.bucket}/{obj.key} version {obj.version_id or '-'}"
                f" ({obj.original_name or obj.sha256[:12]}, record {obj.pk})"
            )
        if remove_orphans:
            self._remove(result.orphans, older_than=older_than, dry_run=not confirm)
        if not result.clean:
            raise CommandError(f"{len(result.missing)} stored file(s) are missing from the store.")

    def _remove(self, orphans, *, older_than, dry_run):
        interrupt = Interrupt()

        def stop(signum, frame):
            interrupt.requested = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        began = time.monotonic()

        def progress(done: int, total: int) -> None:
            seconds = max(time.monotonic() - began, 1e-6)
            self.stderr.write(
                f"\r{done:,}/{total:,} orphans looked at, {done / seconds:,.1f}/s", ending=""
            )

        try:
            removal = orphans_remove(
                orphans,
                older_than=older_than,
                dry_run=dry_run,
                interrupt=interrupt,
                progress=progress,
            )
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stderr.write("")
        verb = "would remove" if dry_run else "removed"
        for orphan in removal.removed:
            self.stdout.write(f"  {verb}: {orphan.describe()}")
        for orphan, why in removal.kept:
            self.stdout.write(f"  kept ({why}): {orphan.describe()}")
        self.stdout.write(
            f"Orphans older than {older_than}: {len(removal.removed):,} {verb},"
            f" {len(removal.kept):,} kept."
        )
        if dry_run and removal.removed:
            self.stdout.write("A dry run: nothing was deleted. Add --confirm to delete them.")
        if removal.interrupted:
            self.stderr.write("Stopped early; run the command again to go on.")
