import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from projects.models import AuditEvent, Project
from projects.services import audit_event_record
from responsibility.packages import package_name, package_stream


class Command(BaseCommand):
    help = (
        "Export a project's whole archive as a BagIt package in a zip (records, files, ledger"
        " entries with inclusion proofs, signed checkpoint), streamed with constant memory."
        " Written to FILE.part and renamed when complete; Ctrl+C leaves nothing behind."
    )

    def add_arguments(self, parser):
        parser.add_argument("project", type=int, help="the project's id")
        parser.add_argument("-o", "--output", type=Path, help="the zip to write")

    def handle(self, *args, project: int, output: Path | None, **options):
        chosen = Project.objects.filter(pk=project).first()
        if chosen is None:
            raise CommandError(f"There is no project {project}.")
        output = output or Path(package_name(chosen))
        partial = output.with_name(output.name + ".part")
        audit_event_record(
            actor=None,
            action=AuditEvent.Action.EXPORT_PACKAGE,
            subject=chosen,
            project=chosen,
            reason=f"manage.py export_archive → {output.name}",
        )
        began = time.monotonic()
        last = 0.0

        def progress(what: str, items: int, written: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last < 1 and what != "done":
                return
            last = now
            seconds = max(now - began, 1e-6)
            self.stderr.write(
                f"\r{items:,} records and files, {written / 1e6:,.1f} MB,"
                f" {items / seconds:,.0f} items/s, {written / 1e6 / seconds:,.1f} MB/s ({what})",
                ending="",
            )

        try:
            with partial.open("wb") as out:
                for chunk in package_stream(
                    project=chosen, exporter="manage.py export_archive", progress=progress
                ):
                    out.write(chunk)
            partial.replace(output)
        except BaseException:
            partial.unlink(missing_ok=True)
            self.stderr.write("\nInterrupted: no package was written.")
            raise
        self.stderr.write("")
        self.stdout.write(f"Wrote {output} ({output.stat().st_size:,} bytes).")
