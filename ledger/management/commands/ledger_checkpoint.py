from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ledger.selectors import node_cache_fill
from ledger.services import checkpoint_create
from ledger.witnesses import cosignatures_collect


class Command(BaseCommand):
    help = (
        "Sign a checkpoint of the ledger (tree size and root hash) with the archive's key."
        " If nothing was appended since the last checkpoint, show that one instead."
        " Also brings the proof cache up to the checkpoint, so proofs against it are quick,"
        " and asks the configured witnesses (LEDGER_WITNESSES) to co-sign it."
    )

    def handle(self, *args, **options):
        checkpoint = checkpoint_create()
        self.stdout.write(
            _("Checkpoint of %(size)s entries, root %(root)s, signed at %(at)s with key %(key)s.")
            % {
                "size": checkpoint.tree_size,
                "root": checkpoint.root_hash,
                "at": checkpoint.signed_at.isoformat(),
                "key": checkpoint.key_id[:16],
            }
        )
        self.stdout.write(checkpoint.note)
        made = node_cache_fill(checkpoint.tree_size)
        if made:
            self.stdout.write(
                _("%(count)s subtree hashes added to the proof cache.") % {"count": made}
            )
        refused = 0
        for outcome in cosignatures_collect(checkpoint):
            if outcome.cosigned:
                self.stdout.write(_("Witness %(name)s: co-signed.") % {"name": outcome.witness})
            else:
                refused += 1
                self.stderr.write(
                    _("Witness %(name)s did not co-sign: %(why)s")
                    % {"name": outcome.witness, "why": outcome.message}
                )
        if refused:
            raise CommandError(
                _("%(count)s witness(es) did not co-sign the checkpoint.") % {"count": refused}
            )
