import signal
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from storage.backup import BackupError, Interrupt, backup


def progress_printer(stderr, verb: str):
    began = time.monotonic()
    last = [0.0]

    def progress(phase: str, done: int, total: int, size: int) -> None:
        now = time.monotonic()
        if now - last[0] < 1 and done < total:
            return
        last[0] = now
        seconds = max(now - began, 1e-6)
        stderr.write(
            f"\r{done:,}/{total:,} object versions {verb}, {done / seconds:,.1f}/s,"
            f" {size / 1e6 / seconds:,.1f} MB/s",
            ending="",
        )

    return progress


def interruptible(run):
    """Run ``run(interrupt)`` with SIGINT/SIGTERM asking it to stop after the current object."""
    interrupt = Interrupt()

    def stop(signum, frame):
        interrupt.requested = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return run(interrupt)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Command(BaseCommand):
    help = (
        "Back up the archive into a directory: a pg_dump of the database first, then every"
        " version of every object in both buckets with its retention and legal hold. Ctrl+C"
        " stops after the current object; running it again into the same directory goes on."
        " Restore with restore_archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory: Path, **options):
        started = time.monotonic()
        printer = progress_printer(self.stderr, "copied")
        try:
            outcome = interruptible(
                lambda interrupt: backup(directory, progress=printer, interrupt=interrupt)
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write("")
        if outcome.interrupted:
            raise CommandError(
                f"Interrupted after {outcome.versions:,} object versions; run the same command"
                " again to finish. The directory is not a backup until it has backup.json."
            )
        self.stdout.write(
            f"Backed up into {directory}: the database and {outcome.versions:,} object"
            f" versions ({outcome.bytes / 1e6:,.1f} MB new) in"
            f" {time.monotonic() - started:,.1f} s."
        )
