import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from ledger.models import LedgerHead
from ledger.sequencer import pending_count, sequence_pending


class Command(BaseCommand):
    help = (
        "Give the ledger entries that wait for an index (LEDGER_SEQUENCING = deferred) their"
        " indexes now, and show how many waited. The job worker (`manage.py run_jobs`) does"
        " this continuously; with --follow this command does it instead, until Ctrl+C."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--follow",
            action="store_true",
            help="keep sequencing new entries as they are written, until Ctrl+C",
        )

    def handle(self, *args, follow, **options):
        stop = threading.Event()

        def interrupted(signum, frame):
            stop.set()

        previous = {s: signal.signal(s, interrupted) for s in (signal.SIGINT, signal.SIGTERM)}
        waiting = pending_count()
        self.stdout.write(f"{waiting:,} entries wait for an index.")
        started = last = time.monotonic()
        done = 0
        interval = settings.LEDGER_SEQUENCER_INTERVAL_MS / 1000
        try:
            # Each batch is its own transaction: stopping between two loses nothing.
            while not stop.is_set():
                count = sequence_pending()
                done += count
                now = time.monotonic()
                if now - last >= 1 and done:
                    last = now
                    self.stderr.write(
                        f"\r{done:,} sequenced, {done / (now - started):,.0f} entries/s",
                        ending="",
                    )
                if count < settings.LEDGER_SEQUENCER_BATCH:
                    if not follow:
                        break
                    stop.wait(interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        head = LedgerHead.objects.filter(pk=1).first()
        elapsed = max(time.monotonic() - started, 1e-9)
        self.stderr.write("")
        self.stdout.write(
            f"{done:,} entries sequenced in {elapsed:.1f} s; the ledger holds"
            f" {head.size if head else 0:,} sequenced entries"
            + (" (stopped)." if stop.is_set() else ".")
        )
