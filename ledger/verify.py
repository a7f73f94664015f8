"""Checks the whole archive against its ledger and reports what was tampered with.

One read-only pass in a single database snapshot: every entry's leaf hash is recomputed
from its columns, the tree over the stored leaves is rebuilt and compared with every signed
checkpoint and with the head, and every row of every ``Ledgered`` model is hashed and
compared with its latest ledger entry. Checkpoints whose roots all match the same stored
leaves are consistent with one another by construction; what is left to check between
them is that the log only grew (no rollback, no fork). Entries are streamed, so memory
stays small apart from the latest content hash per ledgered record.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F
from django.db.models.functions import Cast, Power
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ledger import merkle, signing
from ledger.canonical import canonical_json, record_hash, record_type
from ledger.models import (
    LEAF_FIELDS,
    NODE_MIN_LEVEL,
    Checkpoint,
    Ledgered,
    LedgerEntry,
    LedgerHead,
    LedgerNode,
    build_leaf_data,
)
from ledger.sequencer import database_now as _database_now
from ledger.services import checkpoint_verify

CHUNK = 5000
PROGRESS_EVERY = 5000
# Pairing changed entries to find reordered ones costs one hash per pair; beyond this many
# pairs the archive is damaged wholesale and every such entry is simply reported as changed.
MAX_REORDER_PAIRS = 1_000_000


class Kind(enum.StrEnum):
    ENTRY_MISSING = "entry_missing"
    ENTRY_CHANGED = "entry_changed"
    ENTRY_REORDERED = "entry_reordered"
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"
    CHECKPOINT_SIGNATURE = "checkpoint_signature"
    CHECKPOINT_FOREIGN_KEY = "checkpoint_foreign_key"
    CHECKPOINT_INCONSISTENT = "checkpoint_inconsistent"
    HEAD_MISMATCH = "head_mismatch"
    NODE_CHANGED = "node_changed"
    RECORD_CHANGED = "record_changed"
    RECORD_UNLOGGED = "record_unlogged"
    RECORD_DELETED = "record_deleted"
    # Not tampering: entries wait for an index longer than LEDGER_SEQUENCER_STALL_SECONDS.
    SEQUENCER_STALLED = "sequencer_stalled"


@dataclass(frozen=True)
class Finding:
    kind: Kind
    message: str

    def __str__(self) -> str:
        return self.message

    @property
    def tampering(self) -> bool:
        return self.kind != Kind.SEQUENCER_STALLED


Progress = Callable[[int, int], None]


def verify_archive(progress: Progress | None = None) -> list[Finding]:
    """Every sign of tampering in the archive, in plain words; empty when all is well.

    ``progress(done, total)`` is called now and then with counts of entries plus records.
    """
    fresh_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if fresh_transaction and connection.vendor == "postgresql":
            # One snapshot for every query, so appends committed meanwhile cannot look like
            # damage; READ ONLY makes sure verification never writes. (Inside a caller's
            # transaction, the caller's isolation applies.)
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _Verification(progress).run()


def _ledgered_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, Ledgered) and not model._meta.proxy
    ]


def _at(moment: datetime.datetime) -> str:
    return date_format(moment.astimezone(datetime.UTC), "Y-m-d H:i:s") + " UTC"


def _checkpoint_name(checkpoint: Checkpoint) -> str:
    return _("The checkpoint of %(size)s entries signed at %(at)s") % {
        "size": checkpoint.tree_size,
        "at": _at(checkpoint.signed_at),
    }


class _Verification:
    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.findings: list[Finding] = []
        self.models = _ledgered_models()
        # record_type -> record_id -> (index, action, content_hash, recorded_at) of its
        # latest entry; index None (and the time kept) for an entry not sequenced yet
        self.latest: dict[str, dict[str, tuple]] = {record_type(model): {} for model in self.models}
        self.done = 0
        self.total = 0

    def report(self, kind: Kind, message: str) -> None:
        self.findings.append(Finding(kind, message))

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % PROGRESS_EVERY == 0:
            self.progress(self.done, self.total)

    def run(self) -> list[Finding]:
        head = LedgerHead.objects.filter(pk=1).first() or LedgerHead(pk=1)
        checkpoints = list(Checkpoint.objects.order_by("tree_size", "signed_at"))
        self.total = LedgerEntry.objects.count() + sum(
            model._base_manager.count() for model in self.models
        )
        tree, missing, changed = self.check_entries(head, checkpoints)
        self.check_head(head, tree, len(missing))
        self.report_damaged_entries(changed, missing)
        self.check_unsequenced()
        self.check_checkpoint_signatures(checkpoints)
        for model in self.models:
            self.check_records(model)
        if self.progress is not None:
            self.progress(self.done, self.total)
        order = list(Kind)
        return sorted(self.findings, key=lambda finding: order.index(finding.kind))

    def check_entries(self, head: LedgerHead, checkpoints: list[Checkpoint]):
        by_size: dict[int, list[Checkpoint]] = {}
        for checkpoint in checkpoints:
            by_size.setdefault(checkpoint.tree_size, []).append(checkpoint)
        tree = merkle.TreeBuilder()
        missing: list[int] = []
        changed: dict[int, tuple] = {}
        expected = 0
        self.check_checkpoints_at(tree, by_size)
        nodes = _NodeCheck(self)
        rows = (
            LedgerEntry.objects.filter(index__isnull=False)
            .order_by("index")
            .values_list(*LEAF_FIELDS, "leaf_hash")
            .iterator(chunk_size=CHUNK)
        )
        for row in rows:
            index = row[0]
            if index > expected:
                missing.extend(range(expected, index))
            expected = index + 1
            try:
                stored = bytes.fromhex(row[-1])
            except ValueError:
                stored = b""
            if merkle.leaf_hash(canonical_json(build_leaf_data(*row[:-1]))) != stored:
                changed[index] = row
            latest_of_type = self.latest.get(row[1])
            if latest_of_type is not None:
                latest_of_type[row[2]] = (index, row[3], row[4], None)
            tree.append(stored)
            if not missing:
                nodes.add(index, stored)
            self.check_checkpoints_at(tree, by_size)
            self.tick()
        if head.size > expected:
            missing.extend(range(expected, head.size))
        # Checkpoints never reached: they are larger than the ledger now is.
        for orphans in by_size.values():
            for checkpoint in orphans:
                self.report(
                    Kind.CHECKPOINT_MISMATCH,
                    _(
                        "%(checkpoint)s covers more entries than the ledger holds"
                        " (%(count)s): entries were deleted."
                    )
                    % {"checkpoint": _checkpoint_name(checkpoint), "count": tree.size},
                )
        return tree, missing, changed

    def check_checkpoints_at(self, tree: merkle.TreeBuilder, by_size) -> None:
        checkpoints = by_size.pop(tree.size, None)
        if not checkpoints:
            return
        root = tree.root().hex()
        for checkpoint in checkpoints:
            if checkpoint.root_hash != root:
                self.report(
                    Kind.CHECKPOINT_MISMATCH,
                    _(
                        "%(checkpoint)s no longer matches the ledger: entries it covers were"
                        " changed, deleted or reordered since it was signed."
                    )
                    % {"checkpoint": _checkpoint_name(checkpoint)},
                )

    def check_unsequenced(self) -> None:
        """Entries still waiting for the sequencer have no leaf to check yet, but they are
        their records' latest entries (``check_records`` compares the records with them).
        One waiting longer than LEDGER_SEQUENCER_STALL_SECONDS means the sequencer is not
        running: reported, not as tampering."""
        stall = datetime.timedelta(seconds=settings.LEDGER_SEQUENCER_STALL_SECONDS)
        cutoff = _database_now() - stall
        stalled, oldest = 0, None
        rows = (
            LedgerEntry.objects.filter(index__isnull=True)
            .order_by("id")
            .values_list("record_type", "record_id", "action", "content_hash", "recorded_at")
            .iterator(chunk_size=CHUNK)
        )
        for kind, record_id, action, content_hash, recorded_at in rows:
            latest_of_type = self.latest.get(kind)
            if latest_of_type is not None:
                latest_of_type[record_id] = (None, action, content_hash, recorded_at)
            if recorded_at < cutoff:
                stalled += 1
                oldest = recorded_at if oldest is None else min(oldest, recorded_at)
            self.tick()
        if stalled:
            self.report(
                Kind.SEQUENCER_STALLED,
                ngettext(
                    "%(count)s ledger entry written since %(at)s still waits for its index:"
                    " the ledger's sequencer (a loop of the job worker, `manage.py run_jobs`)"
                    " is not running or is failing. Such entries are in no checkpoint yet;"
                    " `manage.py ledger_sequence` sequences them.",
                    "%(count)s ledger entries written since %(at)s still wait for their index:"
                    " the ledger's sequencer (a loop of the job worker, `manage.py run_jobs`)"
                    " is not running or is failing. Such entries are in no checkpoint yet;"
                    " `manage.py ledger_sequence` sequences them.",
                    stalled,
                )
                % {"count": stalled, "at": _at(oldest)},
            )

    def check_head(self, head: LedgerHead, tree: merkle.TreeBuilder, missing: int) -> None:
        if missing:
            # Deleted entries already explain a head that is ahead of the stored entries.
            if head.size != tree.size + missing:
                self.report(
                    Kind.HEAD_MISMATCH,
                    _("The ledger head counts %(head)s entries but %(stored)s are stored.")
                    % {"head": head.size, "stored": tree.size},
                )
        elif head.size != tree.size:
            self.report(
                Kind.HEAD_MISMATCH,
                _("The ledger head counts %(head)s entries but %(stored)s are stored.")
                % {"head": head.size, "stored": tree.size},
            )
        elif head.frontier != [h.hex() for h in tree.frontier]:
            self.report(
                Kind.HEAD_MISMATCH,
                _(
                    "The ledger head's tree hashes do not match the stored entries: the"
                    " head or the entries were changed outside the archive."
                ),
            )

    def report_damaged_entries(self, changed: dict[int, tuple], missing: list[int]) -> None:
        for first, last in _runs(missing):
            if first == last:
                message = _("Ledger entry #%(index)s is missing: it was deleted.") % {
                    "index": first
                }
            else:
                message = _(
                    "Ledger entries #%(first)s to #%(last)s are missing: they were deleted."
                ) % {
                    "first": first,
                    "last": last,
                }
            self.report(Kind.ENTRY_MISSING, message)
        written_at = self.find_original_positions(changed, missing)
        reported: set[int] = set()
        for index in sorted(changed):
            if index in reported:
                continue
            origin = written_at.get(index)
            if origin is not None and written_at.get(origin) == index:
                reported.add(origin)
                message = _(
                    "Ledger entries #%(first)s and #%(second)s were reordered: each now sits"
                    " where the other was written."
                ) % {"first": index, "second": origin}
                self.report(Kind.ENTRY_REORDERED, message)
            elif origin is not None:
                message = _(
                    "Ledger entry #%(index)s was reordered: it was written as entry #%(origin)s."
                ) % {"index": index, "origin": origin}
                self.report(Kind.ENTRY_REORDERED, message)
            else:
                message = _(
                    "Ledger entry #%(index)s was changed after it was written (its leaf hash"
                    " no longer matches)."
                ) % {"index": index}
                self.report(Kind.ENTRY_CHANGED, message)

    def find_original_positions(
        self, changed: dict[int, tuple], missing: list[int]
    ) -> dict[int, int]:
        """For entries that fail their own leaf hash, the position they were written at.

        An entry moved from position j to i still carries the leaf hash it got at j; and
        when whole rows were swapped but their leaf hashes were not, the leaf recomputed at
        i is the one stored at j.
        """
        candidates = sorted(set(changed) | set(missing))
        if len(changed) * len(candidates) > MAX_REORDER_PAIRS:
            return {}
        stored_at = {row[-1]: index for index, row in changed.items()}
        origins: dict[int, int] = {}
        for index, row in changed.items():
            recomputed = merkle.leaf_hash(canonical_json(build_leaf_data(*row[:-1]))).hex()
            if recomputed in stored_at:
                origins[index] = stored_at[recomputed]
                continue
            for candidate in candidates:
                if candidate == index:
                    continue
                moved = build_leaf_data(candidate, *row[1:-1])
                if merkle.leaf_hash(canonical_json(moved)).hex() == row[-1]:
                    origins[index] = candidate
                    break
        return origins

    def check_checkpoint_signatures(self, checkpoints: list[Checkpoint]) -> None:
        trusted = signing.trusted_keys()
        for checkpoint in checkpoints:
            key = trusted.get(checkpoint.public_key)
            if key is not None and key.retired_at and checkpoint.signed_at > key.retired_at:
                self.report(
                    Kind.CHECKPOINT_FOREIGN_KEY,
                    _(
                        "%(checkpoint)s was signed by a retired key (key id %(key_id)s) after"
                        " it was retired on %(retired)s: whoever still holds that key signed it."
                    )
                    % {
                        "checkpoint": _checkpoint_name(checkpoint),
                        "key_id": checkpoint.key_id[:16],
                        "retired": _at(key.retired_at),
                    },
                )
            elif key is None:
                self.report(
                    Kind.CHECKPOINT_FOREIGN_KEY,
                    _(
                        "%(checkpoint)s was signed by another key (key id %(key_id)s), not by"
                        " this archive's key."
                    )
                    % {
                        "checkpoint": _checkpoint_name(checkpoint),
                        "key_id": checkpoint.key_id[:16],
                    },
                )
            elif not checkpoint_verify(checkpoint):
                self.report(
                    Kind.CHECKPOINT_SIGNATURE,
                    _("%(checkpoint)s has a signature that does not verify: it was altered.")
                    % {"checkpoint": _checkpoint_name(checkpoint)},
                )
        # A log only grows: a later checkpoint that is smaller, or two checkpoints of one
        # size with different roots, mean the log was rolled back or forked.
        by_time = sorted(checkpoints, key=lambda c: c.signed_at)
        for earlier, later in zip(by_time, by_time[1:], strict=False):
            forked = later.tree_size == earlier.tree_size and later.root_hash != earlier.root_hash
            if later.tree_size < earlier.tree_size or forked:
                self.report(
                    Kind.CHECKPOINT_INCONSISTENT,
                    _(
                        "%(later)s is not consistent with the earlier checkpoint of %(size)s"
                        " entries signed at %(at)s: the ledger was rolled back or rewritten"
                        " between them."
                    )
                    % {
                        "later": _checkpoint_name(later),
                        "size": earlier.tree_size,
                        "at": _at(earlier.signed_at),
                    },
                )

    def check_records(self, model: type[models.Model]) -> None:
        latest = self.latest[record_type(model)]
        seen: set[str] = set()
        for row in model._base_manager.order_by("pk").iterator(chunk_size=2000):
            record_id = str(row.pk)
            seen.add(record_id)
            name = _record_name(model, record_id)
            entry = latest.get(record_id)
            if entry is not None and entry[0] is None:
                self.check_record_unsequenced(row, name, entry)
            elif entry is None:
                self.report(
                    Kind.RECORD_UNLOGGED,
                    _("%(record)s was written without a ledger entry.") % {"record": name},
                )
            elif entry[1] == LedgerEntry.Action.DELETE:
                self.report(
                    Kind.RECORD_CHANGED,
                    _(
                        "%(record)s was restored outside the archive: ledger entry #%(index)s"
                        " says it was deleted."
                    )
                    % {"record": name, "index": entry[0]},
                )
            elif record_hash(row) != entry[2]:
                self.report(
                    Kind.RECORD_CHANGED,
                    _(
                        "%(record)s was changed outside the archive: its content no longer"
                        " matches ledger entry #%(index)s."
                    )
                    % {"record": name, "index": entry[0]},
                )
            self.tick()
        by_index = sorted(latest.items(), key=lambda item: (item[1][0] is None, item[1][0] or 0))
        for record_id, entry in by_index:
            if record_id not in seen and entry[1] != LedgerEntry.Action.DELETE:
                if entry[0] is None:
                    self.report(
                        Kind.RECORD_DELETED,
                        _(
                            "%(record)s was deleted outside the archive: its last ledger entry,"
                            " written at %(at)s, is not sequenced yet."
                        )
                        % {"record": _record_name(model, record_id), "at": _at(entry[3])},
                    )
                    continue
                self.report(
                    Kind.RECORD_DELETED,
                    _(
                        "%(record)s was deleted outside the archive: its last ledger entry"
                        " is #%(index)s."
                    )
                    % {"record": _record_name(model, record_id), "index": entry[0]},
                )

    def check_record_unsequenced(self, row: models.Model, name: str, entry: tuple) -> None:
        """``check_records`` for a record whose latest entry waits for the sequencer."""
        if entry[1] == LedgerEntry.Action.DELETE:
            message = _(
                "%(record)s was restored outside the archive: its latest ledger entry,"
                " written at %(at)s and not sequenced yet, says it was deleted."
            )
        elif record_hash(row) != entry[2]:
            message = _(
                "%(record)s was changed outside the archive: its content no longer matches"
                " its latest ledger entry, written at %(at)s and not sequenced yet."
            )
        else:
            return
        self.report(Kind.RECORD_CHANGED, message % {"record": name, "at": _at(entry[3])})


class _NodeCheck:
    """Compares the proof cache (LedgerNode) with the subtree hashes rebuilt from the leaves
    as they stream past: both come in the order the leaves complete the subtrees (by end,
    then level), so the cache is read alongside, never held in memory."""

    def __init__(self, verification: _Verification) -> None:
        self.verification = verification
        self.frontier: list[bytes] = []
        self.size = 0
        end = (F("index") + 1) * Cast(Power(2, F("level")), models.BigIntegerField())
        self.cached = iter(
            LedgerNode.objects.annotate(end=end)
            .order_by("end", "level")
            .values_list("end", "level", "hash")
            .iterator(chunk_size=CHUNK)
        )
        self.next_cached = next(self.cached, None)

    def add(self, index: int, leaf: bytes) -> None:
        for level, position, node in merkle._push(self.frontier, self.size, leaf):
            if level >= NODE_MIN_LEVEL:
                self.compare((position + 1) << level, level, node)
        self.size += 1

    def compare(self, end: int, level: int, node: bytes) -> None:
        while self.next_cached is not None and self.next_cached[:2] < (end, level):
            self.next_cached = next(self.cached, None)  # beyond the leaves: unused, harmless
        if self.next_cached is None or self.next_cached[:2] != (end, level):
            return  # not cached (yet): nothing to compare
        if self.next_cached[2] != node.hex():
            first = end - (1 << level)
            self.verification.report(
                Kind.NODE_CHANGED,
                _(
                    "The cached hash of entries #%(first)s to #%(last)s does not match"
                    " those entries: proofs built from it would fail. Delete that row of"
                    " the proof cache; it is rebuilt from the entries."
                )
                % {"first": first, "last": end - 1},
            )
        self.next_cached = next(self.cached, None)


def _record_name(model: type[models.Model], record_id: str) -> str:
    return f"{capfirst(model._meta.verbose_name)} {record_id}"


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for index in indexes:
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs
