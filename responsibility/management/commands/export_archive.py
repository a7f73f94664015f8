import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from projects.models import AuditEvent, Project
from projects.services import audit_event_outcome, audit_event_record
from responsibility.packages import export_failure, package_name, package_stream


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
            raise CommandError(_("There is no project %(id)s.") % {"id": project})
        output = output or Path(package_name(chosen))
        partial = output.with_name(output.name + ".part")
        event = audit_event_record(
            actor=None,
            action=AuditEvent.Action.EXPORT_PACKAGE,
            subject=chosen,
            project=chosen,
            reason=f"manage.py export_archive → {output.name}",
            outcome=AuditEvent.Outcome.STARTED,
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
                "\r"
                + _(
                    "%(items)s records and files, %(mb)s MB, %(rate)s items/s, %(mbs)s MB/s"
                    " (%(what)s)"
                )
                % {
                    "items": f"{items:,}",
                    "mb": f"{written / 1e6:,.1f}",
                    "rate": f"{items / seconds:,.0f}",
                    "mbs": f"{written / 1e6 / seconds:,.1f}",
                    "what": what,
                },
                ending="",
            )

        try:
            with partial.open("wb") as out:
                for chunk in package_stream(
                    project=chosen, exporter="manage.py export_archive", progress=progress
                ):
                    out.write(chunk)
            partial.replace(output)
        except BaseException as exc:
            partial.unlink(missing_ok=True)
            self.stderr.write("\n" + _("Interrupted: no package was written."))
            audit_event_outcome(
                event=event, outcome=AuditEvent.Outcome.FAILED, detail=export_failure(exc)
            )
            raise
        audit_event_outcome(event=event, outcome=AuditEvent.Outcome.COMPLETED)
        self.stderr.write("")
        self.stdout.write(
            _("Wrote %(file)s (%(size)s bytes).")
            % {"file": output, "size": f"{output.stat().st_size:,}"}
        )
