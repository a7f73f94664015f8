import signal

from django.core.management.base import BaseCommand, CommandError

from storage.fixity import Interrupt, run_audit, run_start
from storage.models import FixityRun


class Command(BaseCommand):
    help = (
        "Fixity audit: read stored objects back, re-hash them and compare with their records;"
        " each run and each problem is recorded (and ledgered). Exit status 1 when an object"
        " changed or is missing, 2 when the run stopped early (interrupted or store"
        " unreachable; --resume continues it)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            metavar="DAYS",
            help="skip objects a run checked within DAYS days",
        )
        parser.add_argument("--limit", type=int, help="check at most this many objects")
        parser.add_argument("--bucket", help="only this bucket")
        parser.add_argument(
            "--resume", action="store_true", help="continue the last run that did not finish"
        )

    def handle(self, *args, older_than, limit, bucket, resume, **options):
        run = run_start(older_than=older_than, limit=limit, bucket=bucket, resume=resume)
        interrupt = Interrupt()

        def stop(signum, frame):
            interrupt.requested = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        last = [0.0]

        def progress(run: FixityRun, seconds: float) -> None:
            if seconds - last[0] < 1:
                return
            last[0] = seconds
            self.stderr.write(
                f"\r{run.checked:,} checked, {run.problems:,} problems,"
                f" {run.checked / seconds:,.1f} objects/s,"
                f" {run.bytes_read / 1e6 / seconds:,.1f} MB/s",
                ending="",
            )

        try:
            run = run_audit(run, interrupt=interrupt, progress=progress)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stderr.write("")
        self.stdout.write(
            f"Fixity run {run.pk}: {run.get_state_display()}; {run.checked:,} objects checked"
            f" ({run.bytes_read / 1e6:,.1f} MB), {run.intact:,} intact, {run.problems:,} problems."
        )
        for finding in run.findings.select_related("stored_object"):
            obj = finding.stored_object
            self.stdout.write(
                f"  {finding.get_kind_display()}: {obj.bucket}/{obj.key}"
                f" ({obj.original_name or obj.sha256[:12]}) — {finding.detail}"
            )
        if run.problems:
            raise CommandError(f"{run.problems} stored object(s) did not read back as stored.")
        if run.state != FixityRun.State.FINISHED:
            self.stderr.write("The run did not finish; continue it with --resume.")
            raise SystemExit(2)
