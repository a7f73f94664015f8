import sys
import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ledger.verify import verify_archive


class Command(BaseCommand):
    help = (
        "Check every ledger entry, checkpoint and ledgered record for tampering (modified,"
        " deleted or reordered). Read-only. Exits with status 1 if anything was tampered with,"
        " 2 if nothing was but the ledger's sequencer has stalled."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        last_report = started

        def progress(done: int, total: int) -> None:
            nonlocal last_report
            now = time.monotonic()
            if now - last_report < 1 and done < total:
                return
            last_report = now
            rate = done / max(now - started, 1e-9)
            self.stderr.write(
                _("Checked %(done)s of %(total)s entries and records (%(rate)s per second)…")
                % {"done": done, "total": total, "rate": f"{rate:,.0f}"}
            )

        try:
            findings = verify_archive(progress=progress)
        except KeyboardInterrupt:
            self.stderr.write(_("Verification interrupted. Nothing was changed."))
            sys.exit(130)
        elapsed = time.monotonic() - started
        for finding in findings:
            self.stdout.write(str(finding))
        tampering = [finding for finding in findings if finding.tampering]
        if findings and not tampering:
            # A stalled sequencer: nothing was tampered with, but someone must act.
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "No tampering found (%(seconds).1f s), but the ledger's sequencer is"
                        " behind: see above."
                    )
                    % {"seconds": elapsed}
                )
            )
            sys.exit(2)
        findings = tampering
        if findings:
            self.stdout.write(
                self.style.ERROR(
                    ngettext(
                        "Found %(count)s sign of tampering in %(seconds).1f s.",
                        "Found %(count)s signs of tampering in %(seconds).1f s.",
                        len(findings),
                    )
                    % {"count": len(findings), "seconds": elapsed}
                )
            )
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(
                _("The archive is intact: no tampering found (%(seconds).1f s).")
                % {"seconds": elapsed}
            )
        )
