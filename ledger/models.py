import base64
import datetime
import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Ledgered(models.Model):
    """Marks a model whose every write is in the ledger, so ``verify_archive`` checks it.

    Override ``ledger_content`` when a record's hash should cover something other than its
    own columns.

    A column added to a model after its records were ledgered would change every old record's
    hash. Name such columns (by attname) in ``ledger_added_fields``: while one is empty it is
    left out of the content, so entries written before it existed still match, and once it is
    set the hash covers it like any other column.
    """

    ledger_added_fields: tuple[str, ...] = ()
    # How a record reaches its project, as a lookup ("project", "unit_work__project"; "pk" for
    # a project itself), or None for a record of no project (people, organizations, batches).
    # Its entries carry that project's id, so the entry list shows a project's entries to
    # those who see the project. The ledger knows only the path, never the project model.
    ledger_project: str | None = None

    class Meta:
        abstract = True

    def ledger_content(self) -> dict:
        from ledger.canonical import record_content

        content = record_content(self)
        for name in self.ledger_added_fields:
            if content.get(name) is None:
                content.pop(name, None)
        return content


class LedgerHead(models.Model):
    """The tree size and its compact range: the single row the sequencer (and, in inline
    mode, every append) locks while it extends the tree."""

    size = models.BigIntegerField(default=0)
    frontier = models.JSONField(default=list, help_text="hex roots of the perfect subtrees")

    class Meta:
        verbose_name = _("ledger head")

    def __str__(self) -> str:
        return f"ledger head at {self.size}"


class LedgerEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", pgettext_lazy("ledger event", "created")
        UPDATE = "update", _("changed")
        STATE = "state", _("changed state")
        SIGN = "sign", pgettext_lazy("ledger event", "signed")
        SUPERSEDE = "supersede", pgettext_lazy("ledger event", "superseded")
        DELETE = "delete", _("deleted")
        EVENT = "event", _("event")

    # Null until the entry is sequenced (LEDGER_SEQUENCING = "deferred"): the writer's
    # transaction inserts the entry without an index, and ``ledger.sequencer`` gives committed
    # entries their indexes and leaf hashes in batches. Inline writers set both at once.
    index = models.BigIntegerField(
        unique=True,
        null=True,
        blank=True,
        help_text="0-based leaf index in the Merkle tree; empty until sequenced",
    )
    record_type = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64)
    action = models.CharField(max_length=16, choices=Action.choices)
    content_hash = models.CharField(max_length=64)
    # Not a foreign key: the ledger (layer 0) outlives accounts and never cascades.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField()
    leaf_hash = models.CharField(max_length=64, blank=True, help_text="empty until sequenced")
    # The project of the record, when it has one (see Ledgered.ledger_project): who may list
    # the entry, not evidence, so no leaf hash covers it. A plain id, as actor_id: the ledger
    # sits below the projects app.
    project_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["index"]
        indexes = [
            models.Index(fields=["record_type", "record_id", "index"]),
            # "the people this user registered" (projects.access.people_visible_to), asked by
            # every page that offers people to choose, among millions of entries.
            models.Index(
                fields=["actor_id", "record_type", "action"], name="ledger_entry_by_actor"
            ),
            # The sequencer's queue: the entries waiting for an index, in the order written.
            # Partial, so it holds only the last second's entries however large the ledger.
            models.Index(
                fields=["id"],
                condition=models.Q(index__isnull=True),
                name="ledger_entry_unsequenced",
            ),
        ]

    def __str__(self) -> str:
        where = "(unsequenced)" if self.index is None else f"#{self.index}"
        return f"{where} {self.action} {self.record_type}:{self.record_id}"

    @property
    def sequenced(self) -> bool:
        return self.index is not None

    def leaf_data(self) -> dict:
        return build_leaf_data(*(getattr(self, name) for name in LEAF_FIELDS))


# The order that puts a record's newest entry last: by index, with entries still waiting
# for the sequencer (no index) after every sequenced one, in the order they were written.
ENTRY_ORDER = (models.F("index").asc(nulls_last=True), "pk")


# The columns a leaf hash covers, in the order ``build_leaf_data`` takes them, so verification
# can rebuild leaves from ``values_list(*LEAF_FIELDS)`` without model instances.
LEAF_FIELDS = (
    "index",
    "record_type",
    "record_id",
    "action",
    "content_hash",
    "actor",
    "actor_id",
    "recorded_at",
)


def record_project_id(record) -> int | None:
    """The id of ``record``'s project, following its ``ledger_project`` path."""
    path = getattr(record, "ledger_project", None)
    if path is None:
        return None
    if path == "pk":
        return record.pk
    *hops, last = path.split("__")
    for hop in hops:
        record = getattr(record, hop)
        if record is None:
            return None
    return getattr(record, f"{last}_id")


def build_leaf_data(
    index, record_type, record_id, action, content_hash, actor, actor_id, recorded_at
):
    return {
        "index": index,
        "type": record_type,
        "id": record_id,
        "action": action,
        "hash": content_hash,
        "actor": actor,
        "actor_id": actor_id,
        "at": recorded_at,
    }


class Checkpoint(models.Model):
    """A signed statement of the tree: size, root hash and time, with the archive key.

    The signed bytes are ``body``, a text note in the style of C2SP tlog-checkpoint.
    """

    origin = models.CharField(max_length=200, help_text="the log's name (LEDGER_LOG_ID)")
    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    actor = models.CharField(max_length=150, blank=True)
    key_id = models.CharField(max_length=64, help_text="SHA-256 of the raw public key")
    public_key = models.CharField(max_length=64, help_text="raw Ed25519 public key, hex")
    signature = models.CharField(max_length=128)

    class Meta:
        verbose_name = _("checkpoint")
        ordering = ["tree_size", "signed_at"]
        get_latest_by = "signed_at"

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size} {self.root_hash[:12]}"

    @property
    def body(self) -> str:
        root = base64.b64encode(bytes.fromhex(self.root_hash)).decode("ascii")
        signed_at = self.signed_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{self.origin}\n{self.tree_size}\n{root}\n{signed_at}\n"

    @property
    def note(self) -> str:
        """The body with a C2SP signed-note signature line, for note-aware verifiers."""
        public_key = bytes.fromhex(self.public_key)
        key_hash = hashlib.sha256(self.origin.encode() + b"\n\x01" + public_key).digest()[:4]
        stamp = base64.b64encode(key_hash + bytes.fromhex(self.signature)).decode("ascii")
        return f"{self.body}\n\u2014 {self.origin} {stamp}\n"

    def witnessed_note(self, cosignatures=None) -> str:
        """The note with every witness's cosignature line after the archive's signature:
        what a verifier with a witness policy checks (C2SP tlog-cosignature)."""
        if cosignatures is None:
            cosignatures = self.cosignatures.order_by("witness")
        return self.note + "".join(c.line + "\n" for c in cosignatures)


# Subtrees of 2^NODE_MIN_LEVEL leaves and up are cached; smaller ones are hashed from leaves.
NODE_MIN_LEVEL = 3


class LedgerNode(models.Model):
    """The hash of a perfect, aligned subtree: leaves [index·2^level, (index+1)·2^level).

    Written by ``ledger_append`` in the appending transaction as each subtree of 8 leaves or
    more completes (a quarter of a row per entry on average), so a proof is read, not
    computed: one hash per level instead of every leaf below. Derived from the leaves, never
    a source of truth: a proof built from a wrong node fails against the signed checkpoint
    like any other wrong proof, and ``verify_archive`` compares every node with the leaves.
    """

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ledger subtree hash")
        verbose_name_plural = _("ledger subtree hashes")
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="ledger_one_node_per_position")
        ]

    def __str__(self) -> str:
        return f"subtree {self.level}/{self.index}"


class Cosignature(models.Model):
    """A witness's C2SP cosignature/v1 on a checkpoint: the witness checked that the tree
    extends the last one it co-signed (``ledger.witness``). ``line`` is the signature line
    as the witness returned it, to append to the checkpoint's note."""

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="cosignatures"
    )
    witness = models.CharField(max_length=200, help_text="the witness's key name")
    public_key = models.CharField(max_length=64, help_text="its raw Ed25519 public key, hex")
    cosigned_at = models.DateTimeField(help_text="the time in the cosignature")
    line = models.CharField(max_length=400)

    class Meta:
        verbose_name = _("cosignature")
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="one_cosignature_each")
        ]

    def __str__(self) -> str:
        return f"{self.witness} on {self.checkpoint}"
