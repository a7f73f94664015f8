from django.core import checks
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Command(BaseCommand):
    help = gettext_lazy(
        "Check that the object store is reachable, accepts the credentials and has the"
        " buckets (the archive one with object lock). Exits non-zero on errors."
    )
    requires_system_checks = []

    def handle(self, *args, **options):
        messages = checks.run_checks(tags=["storage"], include_deployment_checks=True)
        errors = [m for m in messages if m.is_serious()]
        for message in messages:
            (self.stderr if message.is_serious() else self.stdout).write(str(message))
        if errors:
            raise CommandError(
                _("%(count)d object store problem(s) found.") % {"count": len(errors)}
            )
        self.stdout.write(_("The object store is ready."))
