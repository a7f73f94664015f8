"""C2SP signed notes, checkpoints and witness cosignatures, without Django.

The one implementation of these formats: the offline package verifier (``ledger.offline``,
which inlines this file in its standalone copy), the witness (``ledger.witness``) and the
archive's collection of cosignatures (``ledger.witnesses``) all read notes with it. Standard
library and ``cryptography`` only.

- Signed note (https://c2sp.org/signed-note): the text, a blank line, then lines
  ``— <key name> <base64(4-byte key ID || signature)>``.
- Checkpoint (https://c2sp.org/tlog-checkpoint): origin, tree size, base64 root hash,
  extension lines.
- Cosignature (https://c2sp.org/tlog-cosignature): a witness's Ed25519 signature over
  ``cosignature/v1\ntime <unix seconds>\n`` + the checkpoint's text; its line carries the
  key ID, the 8-byte big-endian time and the signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass

NOTE_KEY_ED25519 = 0x01  # signed-note: an Ed25519 signature of the note's text
COSIGNATURE_V1 = 0x04  # tlog-cosignature: an Ed25519 signature of "cosignature/v1…"


class NoteError(ValueError):
    """The text is not a well-formed signed note; the message says why."""


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_hash: bytes  # the key ID: the first 4 bytes of SHA-256(name || newline || 0x01 || key)
    signature: bytes  # what follows the key ID (for Ed25519: the 64-byte signature)


@dataclass(frozen=True)
class Note:
    text: str  # the signed bytes, ending with a newline
    signatures: list[NoteSignature]


@dataclass(frozen=True)
class TrustedKey:
    name: str  # the key name its signature lines carry (the archive's: the log's origin)
    public_key: bytes  # raw Ed25519

    @property
    def key_hash(self) -> bytes:
        return ed25519_key_hash(self.name, self.public_key)


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: list[str]
    note: Note  # its signature lines: the archive's, and any witness cosignatures


KEY_NAME = re.compile(r"[^\s+]+")


def ed25519_key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n\x01" + public_key).digest()[:4]


def parse_note(data: str) -> Note:
    """A signed note: text lines, a blank line, then one line per signature,
    ``— <key name> <base64(key ID || signature)>``."""
    if any(ord(c) < 0x20 and c != "\n" for c in data):
        raise NoteError("it holds control characters")
    text, blank, block = data.rpartition("\n\n")
    if not blank or not text:
        raise NoteError("no blank line separates the text from the signatures")
    if not block.endswith("\n"):
        raise NoteError("its last signature line does not end with a newline")
    signatures = []
    for number, line in enumerate(block[:-1].split("\n"), start=1):
        dash, name, stamp, *rest = line.split(" ") + ["", ""]
        if dash != "\u2014" or any(rest) or not KEY_NAME.fullmatch(name):
            raise NoteError(f"signature line {number} is not '\u2014 <key name> <signature>'")
        try:
            raw = base64.b64decode(stamp, validate=True)
        except (binascii.Error, ValueError):
            raise NoteError(f"signature line {number} is not base64") from None
        if len(raw) < 5:
            raise NoteError(f"signature line {number} is too short to hold a key ID")
        signatures.append(NoteSignature(name, raw[:4], raw[4:]))
    return Note(text=text + "\n", signatures=signatures)


def parse_checkpoint(note: Note) -> Checkpoint:
    """The note's text as a C2SP checkpoint: origin, tree size, root hash, extension lines."""
    lines = note.text[:-1].split("\n")
    if len(lines) < 3 or not lines[0]:
        raise NoteError("its text does not hold an origin, a tree size and a root hash")
    origin, size, root = lines[0], lines[1], lines[2]
    if not size.isascii() or not size.isdigit() or (size.startswith("0") and size != "0"):
        raise NoteError(f"the tree size {size!r} is not a decimal number")
    try:
        root_hash = base64.b64decode(root, validate=True)
    except (binascii.Error, ValueError):
        root_hash = b""
    if len(root_hash) != 32:
        raise NoteError("the root hash is not 32 bytes in base64")
    return Checkpoint(origin, int(size), root_hash, lines[3:], note)


def parse_trusted_key(text: str, origin: str) -> TrustedKey:
    """A key as the archive publishes it: a C2SP verifier key ``name+keyid+base64(0x01 ||
    key)``, or the raw Ed25519 public key in hex, whose name is then the log's origin."""
    text = text.strip()
    unusable = ValueError(
        f"{text!r} is neither an Ed25519 public key in hex (64 digits) nor a verifier key"
        " name+keyid+base64"
    )
    if "+" in text:
        name, _sep, rest = text.partition("+")
        key_id, _sep, encoded = rest.partition("+")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise unusable from None
        if len(raw) != 33 or raw[0] != 1 or not KEY_NAME.fullmatch(name):
            raise unusable
        key = TrustedKey(name, raw[1:])
        if key.key_hash.hex() != key_id.lower():
            raise ValueError(f"{text!r}: its key ID does not match its name and key")
        return key
    try:
        public_key = bytes.fromhex(text)
    except ValueError:
        raise unusable from None
    if len(public_key) != 32:
        raise unusable
    return TrustedKey(origin, public_key)


def cosigner_key_hash(name: str, public_key: bytes) -> bytes:
    """A witness's key ID: SHA-256(name || newline || 0x04 || key), first 4 bytes."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([COSIGNATURE_V1]) + public_key).digest()[:4]


def cosigned_message(text: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: a header naming the algorithm and the time, then the
    checkpoint's text (its signatures excluded)."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode()


def ed25519_valid(public_key: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def log_signature_valid(note: Note, origin: str, public_key: bytes) -> bool:
    """Whether ``note`` carries the log's Ed25519 signature under its name (the origin)."""
    wanted = ed25519_key_hash(origin, public_key)
    return any(
        s.name == origin
        and s.key_hash == wanted
        and len(s.signature) == 64
        and ed25519_valid(public_key, s.signature, note.text.encode())
        for s in note.signatures
    )


def cosignature_time(note: Note, name: str, public_key: bytes) -> int | None:
    """The time of a valid cosignature by witness ``name`` with ``public_key``, or None."""
    wanted = cosigner_key_hash(name, public_key)
    for s in note.signatures:
        if s.name != name or s.key_hash != wanted or len(s.signature) != 72:
            continue
        (timestamp,) = struct.unpack(">Q", s.signature[:8])
        if ed25519_valid(public_key, s.signature[8:], cosigned_message(note.text, timestamp)):
            return timestamp
    return None


def cosignature_line(name: str, public_key: bytes, timestamp: int, signature: bytes) -> str:
    raw = cosigner_key_hash(name, public_key) + struct.pack(">Q", timestamp) + signature
    return f"\u2014 {name} {base64.b64encode(raw).decode('ascii')}\n"
