from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from responsibility.models import Plaque
from responsibility.plaques import plaque_print_file_make


class Command(BaseCommand):
    help = (
        "Make the print file of every plaque frozen before print files were made at freezing"
        " (run once after upgrading; each file is stored and ledgered). Plaques that have one"
        " keep it; a plaque whose text no font can print is named and skipped."
    )

    def handle(self, *args, **options):
        made = refused = 0
        for plaque in Plaque.objects.filter(pdf__isnull=True).select_related("unit_work"):
            try:
                plaque_print_file_make(plaque=plaque, actor=None)
            except ValidationError as exc:
                refused += 1
                self.stderr.write(f"plaque {plaque.pk} ({plaque}): {' '.join(exc.messages)}")
                continue
            made += 1
        self.stdout.write(f"print files made: {made}; refused: {refused}")
        if refused:
            raise SystemExit(1)
