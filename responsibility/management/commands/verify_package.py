from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ledger.offline import verify
from ledger.signing import trusted_keys


class Command(BaseCommand):
    help = (
        "Check an archive package offline: the checkpoint (a signed note of this archive's log,"
        " signed by one of its keys), inclusion proofs against it, records against their"
        " ledger entries, every file against the proven record that names it, the manifests,"
        " PDF signatures. Exit status 0 only when all hold. The same code as"
        " scripts/verify_package.py (ledger/offline.py), which needs no server."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(_("%(file)s is not a file.") % {"file": file})
        report = verify(str(file), list(trusted_keys()), settings.LEDGER_LOG_ID)
        for note in report.notes:
            self.stdout.write(note)
        for problem in report.problems:
            self.stdout.write(f"PROBLEM: {problem}")
        if report.problems:
            raise CommandError(
                _("%(count)s problem(s): the package is NOT intact.")
                % {"count": len(report.problems)}
            )
        self.stdout.write(
            _("The package is intact: every file, record and ledger entry checks out.")
        )
