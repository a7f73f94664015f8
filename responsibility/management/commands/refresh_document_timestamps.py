import datetime
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from responsibility import services, signing
from storage.errors import StorageError


class Command(BaseCommand):
    help = (
        "Keep long-term (PAdES B-LTA) signatures provable: add a fresh document timestamp to"
        " every signed letter and pledge whose newest timestamp's TSA certificate expires"
        " within the margin. Each refreshed PDF is stored as a new object and the document"
        " points at it (ledgered); the old PDF stays. Idempotent: a refreshed document is no"
        " longer due, so a second run (or a run after Ctrl+C) continues where the last one"
        " stopped. Exit status 1 when a document could not be refreshed, 2 when interrupted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--margin-days",
            type=int,
            default=None,
            metavar="DAYS",
            help="refresh documents whose timestamp certificate expires within DAYS days"
            " (default TIMESTAMP_REFRESH_MARGIN_DAYS)",
        )
        parser.add_argument("--limit", type=int, help="refresh at most this many documents")

    def handle(self, *args, margin_days, limit, **options):
        if not signing.long_term():
            raise CommandError("TSA_URL is not set: there is no time-stamping authority to ask.")
        margin = settings.TIMESTAMP_REFRESH_MARGIN_DAYS if margin_days is None else margin_days
        before = timezone.now() + datetime.timedelta(days=margin)
        due = services.documents_timestamp_due(before=before)
        ids = list(
            due.values_list("pk", flat=True)[:limit] if limit else due.values_list("pk", flat=True)
        )
        self.stdout.write(
            f"{len(ids)} document(s) have a timestamp certificate expiring before"
            f" {before:%Y-%m-%d} (margin {margin} days)."
        )
        interrupted = [False]

        def stop(signum, frame):
            interrupted[0] = True
            self.stderr.write("\nStopping after the current document …")

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        refreshed, failed = 0, []
        started = time.monotonic()
        try:
            for number, pk in enumerate(ids, start=1):
                if interrupted[0]:
                    break
                document = due.model.objects.select_related("pdf").get(pk=pk)
                try:
                    services.document_timestamp_refresh(document=document)
                except signing.SigningUnavailable as exc:
                    failed.append(f"{document.number}: {exc.message}")
                    if not exc.transient:
                        break  # the TSA cannot extend any document's chain: say so once
                except StorageError as exc:
                    failed.append(f"{document.number}: the object store failed ({exc})")
                else:
                    refreshed += 1
                seconds = max(time.monotonic() - started, 1e-6)
                self.stderr.write(
                    f"\r{number:,}/{len(ids):,} done, {refreshed:,} refreshed,"
                    f" {len(failed):,} failed, {number / seconds:,.1f} documents/s",
                    ending="",
                )
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stderr.write("")
        self.stdout.write(f"{refreshed} document(s) refreshed, {len(failed)} failed.")
        for line in failed:
            self.stdout.write(f"  {line}")
        if failed:
            raise CommandError(f"{len(failed)} document(s) were not refreshed; see above.")
        if interrupted[0] and refreshed + len(failed) < len(ids):
            self.stderr.write("Interrupted; run the command again to continue.")
            raise SystemExit(2)
