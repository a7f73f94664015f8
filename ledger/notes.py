"""C2SP signed notes and checkpoints, and tlog-cosignature/v1, without Django.

The one implementation of these formats: the witness (``ledger.witness``), the archive's
collection of cosignatures (``ledger.witnesses``) and the offline package verifier
(``ledger.offline``, which inlines this file in its standalone copy) all read notes with it.
Standard library and ``cryptography`` only.

- Signed note (C2SP signed-note): the text, a blank line, then lines
  ``— <key name> <base64(4-byte key hash || signature)>``.
- Checkpoint (C2SP tlog-checkpoint): origin, tree size, base64 root hash, extension lines.
- Cosignature (C2SP tlog-cosignature): a witness's Ed25519 signature over
  ``cosignature/v1\ntime <unix seconds>\n`` + the checkpoint's text; the line carries the
  key hash, the 8-byte big-endian time and the signature.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass

EM_DASH = "\u2014"
NOTE_KEY_ED25519 = 0x01  # C2SP signed-note: an Ed25519 signature of the note's text
COSIGNATURE_V1 = 0x04  # C2SP tlog-cosignature: an Ed25519 signature of "cosignature/v1…"


class NoteError(ValueError):
    """The text is not a well-formed signed note."""


@dataclass(frozen=True)
class Signature:
    name: str
    key_hash: bytes  # 4 bytes
    payload: bytes  # what follows the key hash: a signature, or timestamp + signature


@dataclass(frozen=True)
class Note:
    body: str  # the signed text, ending in a newline
    signatures: tuple[Signature, ...]


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...]


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def parse_note(text: str) -> Note:
    """A C2SP signed note, strictly: the text, a blank line, then one or more lines
    ``— <key name> <base64(key hash || signature)>``, each ending in a newline."""
    if not text.endswith("\n") or "\r" in text:
        raise NoteError("a note's lines end in a bare newline, the last one too")
    body, separator, block = text.rpartition("\n\n")
    if not separator or not body:
        raise NoteError("a note's text and its signatures are separated by a blank line")
    body += "\n"
    signatures = []
    for line in block.removesuffix("\n").split("\n"):
        prefix, _space, rest = line.partition(" ")
        name, _space, encoded = rest.partition(" ")
        if prefix != EM_DASH or not _valid_name(name) or " " in encoded:
            raise NoteError(f"not a signature line: {line[:80]!r}")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise NoteError(f"the signature of {name!r} is not base64") from exc
        if len(raw) < 5:
            raise NoteError(f"the signature of {name!r} is too short")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    return Note(body, tuple(signatures))


def parse_checkpoint(body: str) -> Checkpoint:
    """C2SP tlog-checkpoint: origin, decimal size, base64 root hash, extension lines."""
    lines = body.removesuffix("\n").split("\n")
    if len(lines) < 3:
        raise NoteError("a checkpoint has an origin, a size and a root hash")
    origin, size_text, root_text, *extensions = lines
    if not origin or not size_text.isdigit() or (size_text != "0" and size_text[0] == "0"):
        raise NoteError("a checkpoint's second line is its size in decimal")
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError as exc:
        raise NoteError("a checkpoint's third line is its root hash in base64") from exc
    if len(root) != 32:
        raise NoteError("a checkpoint's root hash is 32 bytes")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def log_key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([NOTE_KEY_ED25519]) + public_key).digest()[
        :4
    ]


def cosigner_key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([COSIGNATURE_V1]) + public_key).digest()[:4]


def cosigned_message(body: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: a header naming the algorithm and the time, then the
    checkpoint's text (its signatures excluded)."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + body.encode()


def _ed25519_valid(public_key: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def log_signature_valid(note: Note, origin: str, public_key: bytes) -> bool:
    """Whether ``note`` carries the log's Ed25519 signature: key name = origin."""
    wanted = log_key_hash(origin, public_key)
    return any(
        s.name == origin
        and s.key_hash == wanted
        and len(s.payload) == 64
        and _ed25519_valid(public_key, s.payload, note.body.encode())
        for s in note.signatures
    )


def cosignature_time(note: Note, name: str, public_key: bytes) -> int | None:
    """The time of a valid cosignature by witness ``name`` with ``public_key``, or None."""
    wanted = cosigner_key_hash(name, public_key)
    for s in note.signatures:
        if s.name != name or s.key_hash != wanted or len(s.payload) != 72:
            continue
        (timestamp,) = struct.unpack(">Q", s.payload[:8])
        if _ed25519_valid(public_key, s.payload[8:], cosigned_message(note.body, timestamp)):
            return timestamp
    return None


def cosignature_line(name: str, public_key: bytes, timestamp: int, signature: bytes) -> str:
    raw = cosigner_key_hash(name, public_key) + struct.pack(">Q", timestamp) + signature
    return f"{EM_DASH} {name} {base64.b64encode(raw).decode('ascii')}\n"
