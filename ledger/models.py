from django.db import models
from django.utils.translation import gettext_lazy as _


class Ledgered(models.Model):
    """Marks a model whose every write is in the ledger, so ``verify_archive`` checks it.

    Override ``ledger_content`` when a record's hash should cover something other than its
    own columns.
    """

    class Meta:
        abstract = True

    def ledger_content(self) -> dict:
        from ledger.canonical import record_content

        return record_content(self)


class LedgerHead(models.Model):
    """The single row every append locks: the tree size and its compact range."""

    size = models.BigIntegerField(default=0)
    frontier = models.JSONField(default=list, help_text="hex roots of the perfect subtrees")

    class Meta:
        verbose_name = _("ledger head")

    def __str__(self) -> str:
        return f"ledger head at {self.size}"


class LedgerEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        STATE = "state", _("changed state")
        SIGN = "sign", _("signed")
        SUPERSEDE = "supersede", _("superseded")
        DELETE = "delete", _("deleted")
        EVENT = "event", _("event")

    index = models.BigIntegerField(unique=True, help_text="0-based leaf index in the Merkle tree")
    record_type = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64)
    action = models.CharField(max_length=16, choices=Action.choices)
    content_hash = models.CharField(max_length=64)
    # Not a foreign key: the ledger (layer 0) outlives accounts and never cascades.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField()
    leaf_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["index"]
        indexes = [models.Index(fields=["record_type", "record_id", "index"])]

    def __str__(self) -> str:
        return f"#{self.index} {self.action} {self.record_type}:{self.record_id}"

    def leaf_data(self) -> dict:
        return {
            "index": self.index,
            "type": self.record_type,
            "id": self.record_id,
            "action": self.action,
            "hash": self.content_hash,
            "actor": self.actor,
            "actor_id": self.actor_id,
            "at": self.recorded_at,
        }


class Checkpoint(models.Model):
    """A signed statement of the tree: size, root hash and time, with the archive key."""

    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=64, help_text="SHA-256 of the raw public key")
    public_key = models.CharField(max_length=64, help_text="raw Ed25519 public key, hex")
    signature = models.CharField(max_length=128)

    class Meta:
        verbose_name = _("checkpoint")
        ordering = ["tree_size", "signed_at"]
        get_latest_by = "signed_at"

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size} {self.root_hash[:12]}"
