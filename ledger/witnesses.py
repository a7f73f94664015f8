"""Collecting witnesses' cosignatures on the archive's checkpoints (C2SP tlog-witness).

For each witness in ``settings.LEDGER_WITNESSES`` the archive sends the checkpoint with a
consistency proof from the size that witness last co-signed; the witness answers with a
cosignature line, which is checked against the witness's configured key before it is kept.
A witness that says it last co-signed another size (409) is asked again with a proof from
that size. A refusal is logged as an error: it means the witness saw a tree that does not
extend the one it co-signed, which is what witnesses exist to catch.

The request and the checks are ``ledger.witness`` (the witness program's own code), so both
sides read notes and cosignatures the same way.
"""

from __future__ import annotations

import base64
import datetime
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ledger import notes as protocol
from ledger.models import Checkpoint, Cosignature
from ledger.selectors import consistency_proof

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WitnessConfig:
    name: str
    public_key: bytes
    url: str


@dataclass(frozen=True)
class Outcome:
    witness: str
    cosigned: bool
    message: str


def configured_witnesses() -> list[WitnessConfig]:
    witnesses = []
    for item in settings.LEDGER_WITNESSES:
        name, _sep, rest = item.partition("=")
        key_hex, _sep, url = rest.partition("@")
        try:
            public_key = bytes.fromhex(key_hex)
        except ValueError:
            public_key = b""
        valid_name = protocol.KEY_NAME.fullmatch(name)
        if not valid_name or len(public_key) != 32 or not url.startswith("http"):
            raise ImproperlyConfigured(
                f"LEDGER_WITNESSES: {item!r} is not NAME=HEX_ED25519_PUBLIC_KEY@URL."
            )
        witnesses.append(WitnessConfig(name, public_key, url.rstrip("/")))
    return witnesses


def _last_cosigned_size(witness: WitnessConfig) -> int:
    last = (
        Cosignature.objects.filter(witness=witness.name, public_key=witness.public_key.hex())
        .order_by("-checkpoint__tree_size")
        .values_list("checkpoint__tree_size", flat=True)
        .first()
    )
    return last or 0


def _request(checkpoint: Checkpoint, old_size: int) -> bytes:
    proof = consistency_proof(old_size, checkpoint.tree_size) if old_size else []
    lines = [f"old {old_size}"] + [base64.b64encode(node).decode("ascii") for node in proof]
    return ("\n".join(lines) + "\n\n" + checkpoint.note).encode("utf-8")


def _post(witness: WitnessConfig, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 (the operator configures the URL)
        witness.url + "/add-checkpoint",
        data=body,
        method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.LEDGER_WITNESS_TIMEOUT
        ) as response:
            return response.status, response.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(4096).decode("utf-8", "replace")


def cosign(checkpoint: Checkpoint, witness: WitnessConfig) -> Outcome:
    """Ask ``witness`` to co-sign ``checkpoint``; keep its cosignature if it verifies."""
    if checkpoint.cosignatures.filter(witness=witness.name).exists():
        return Outcome(witness.name, True, "already co-signed")
    old_size = min(_last_cosigned_size(witness), checkpoint.tree_size)
    try:
        status, text = _post(witness, _request(checkpoint, old_size))
        if status == 409 and text.strip().isdigit() and int(text) <= checkpoint.tree_size:
            status, text = _post(witness, _request(checkpoint, int(text)))
    except (OSError, ValueError) as exc:
        logger.warning("witness %s unreachable: %s", witness.name, exc)
        return Outcome(witness.name, False, f"unreachable: {exc}")
    if status != 200:
        logger.error(
            "witness %s refused the checkpoint of %s entries (%s): %s",
            witness.name,
            checkpoint.tree_size,
            status,
            text.strip(),
        )
        return Outcome(witness.name, False, f"refused ({status}): {text.strip()}")
    line = text.strip()
    note = protocol.parse_note(checkpoint.note + line + "\n")
    timestamp = protocol.cosignature_time(note, witness.name, witness.public_key)
    if timestamp is None:
        logger.error("witness %s answered with a cosignature that does not verify", witness.name)
        return Outcome(witness.name, False, "its cosignature does not verify with its key")
    Cosignature.objects.get_or_create(
        checkpoint=checkpoint,
        witness=witness.name,
        defaults={
            "public_key": witness.public_key.hex(),
            "cosigned_at": datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC),
            "line": line,
        },
    )
    return Outcome(witness.name, True, "co-signed")


def cosignatures_collect(checkpoint: Checkpoint) -> list[Outcome]:
    """Ask every configured witness to co-sign ``checkpoint`` (outside any transaction: each
    is an HTTP request)."""
    return [cosign(checkpoint, witness) for witness in configured_witnesses()]
