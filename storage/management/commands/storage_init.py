from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from storage import gateway
from storage.errors import StorageError


class Command(BaseCommand):
    help = gettext_lazy(
        "Create the archive bucket (with object lock) and the derived bucket when they are"
        " missing, and print what exists."
    )

    def handle(self, *args, **options):
        try:
            statuses = gateway.buckets_ensure()
        except StorageError as exc:
            raise CommandError(_("The object store refused: %(error)s") % {"error": exc}) from exc
        for status in statuses:
            state = pgettext("bucket", "created") if status.created else _("exists")
            lock = _("object lock on") if status.object_lock else _("no object lock")
            self.stdout.write(f"{status.name}: {state}, {lock}")
