"""A witness for the archive's ledger: co-signs a checkpoint only if it extends the last one.

    python3 ledger_witness.py keygen --name NAME --key KEY.pem
    python3 ledger_witness.py serve --name NAME --key KEY.pem --state STATE.json \\
        --log ORIGIN=HEX_PUBLIC_KEY [--listen 127.0.0.1:8800]

Run by a regulator's office or any body independent of the archive's operator, on its own
machine with its own Ed25519 key. No Django, no database: Python 3.11 and ``cryptography``.

The archive's signature on a checkpoint says only that the operator signed it. An operator
who rewrote history could sign a new tree that does not extend the old one, and only someone
holding an older checkpoint would notice. A witness holds that older checkpoint: it answers
the archive's C2SP tlog-witness ``add-checkpoint`` request — the new checkpoint, the size
the archive believes the witness last co-signed and an RFC 9162 consistency proof from it —
and co-signs (C2SP tlog-cosignature, ``cosignature/v1``) only when

- the checkpoint is a signed note of a log it follows, signed by that log's key;
- the size is the one the witness last co-signed (else 409 with the witness's size, so the
  archive can retry with a proof from there);
- the proof shows the new tree extends the one it co-signed (else 422: the log forked or was
  rewritten, and the witness refuses for good — the state is not moved).

The state (the last co-signed size and root per log) is written to a file atomically before
the cosignature is returned, so a crash never makes the witness forget what it signed.
A checkpoint verifier then requires cosignatures from a quorum of witnesses it trusts.

This module is one implementation for both sides: the archive (``ledger.witnesses``) and the
offline verifier (``ledger.offline``) parse notes and check cosignatures with it.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ledger.merkle import verify_consistency  # inlined in the standalone copy
from ledger.notes import (  # inlined in the standalone copy
    KEY_NAME,
    NoteError,
    cosignature_line,
    cosigned_message,
    log_signature_valid,
    parse_checkpoint,
    parse_note,
)

MAX_REQUEST = 64 * 1024


# --- The witness ---


class Refused(Exception):
    def __init__(self, status: int, message: str, body: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body if body is not None else message + "\n"


def parse_add_checkpoint(body: bytes) -> tuple[int, list[bytes], str]:
    """C2SP tlog-witness: ``old <size>``, the proof's hashes one per line, a blank line, the
    checkpoint note."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(400, "the request is not UTF-8") from exc
    head, separator, note = text.partition("\n\n")
    if not separator:
        raise Refused(400, "the request has no blank line before the checkpoint")
    lines = head.split("\n")
    if not lines[0].startswith("old ") or not lines[0][4:].isdigit():
        raise Refused(400, "the request starts with 'old <size>'")
    try:
        proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
    except ValueError as exc:
        raise Refused(400, "a consistency proof line is not base64") from exc
    if any(len(node) != 32 for node in proof) or len(proof) > 63:
        raise Refused(400, "a consistency proof is at most 63 hashes of 32 bytes")
    return int(lines[0][4:]), proof, note


class Witness:
    """The witness's key, the logs it follows and its state file."""

    def __init__(self, name: str, private_key, state_path: Path, logs: dict[str, bytes]) -> None:
        from cryptography.hazmat.primitives import serialization

        if not KEY_NAME.fullmatch(name):
            raise ValueError("a witness name has no spaces and no '+'")
        self.name = name
        self.private_key = private_key
        self.public_key = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.state_path = state_path
        self.logs = logs  # origin -> the log's Ed25519 public key
        self.lock = threading.Lock()
        self.state = json.loads(state_path.read_text()) if state_path.exists() else {}

    def _save(self) -> None:
        temporary = self.state_path.with_suffix(".tmp")
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(self.state, file, indent=1, sort_keys=True)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.state_path)

    def add_checkpoint(self, request: bytes) -> str:
        """The cosignature line for the checkpoint in ``request``, or Refused."""
        old_size, proof, note_text = parse_add_checkpoint(request)
        try:
            note = parse_note(note_text)
            checkpoint = parse_checkpoint(note)
        except NoteError as exc:
            raise Refused(400, f"not a checkpoint note: {exc}") from exc
        log_key = self.logs.get(checkpoint.origin)
        if log_key is None:
            raise Refused(404, f"this witness does not follow the log {checkpoint.origin!r}")
        if not log_signature_valid(note, checkpoint.origin, log_key):
            raise Refused(403, "the checkpoint is not signed by the log's key")
        with self.lock:
            known = self.state.get(checkpoint.origin, {"size": 0, "root": ""})
            if old_size != known["size"]:
                raise Refused(
                    409,
                    f"this witness last co-signed size {known['size']}, not {old_size}",
                    body=f"{known['size']}\n",
                )
            if checkpoint.size < old_size:
                raise Refused(400, "the checkpoint is smaller than the one co-signed before")
            old_root = base64.b64decode(known["root"]) if known["root"] else b""
            if old_size and not verify_consistency(
                old_size, checkpoint.size, old_root, checkpoint.root, proof
            ):
                raise Refused(
                    422,
                    f"the checkpoint of size {checkpoint.size} does not extend the one of size"
                    f" {old_size} this witness co-signed: the log forked or was rewritten",
                )
            self.state[checkpoint.origin] = {
                "size": checkpoint.size,
                "root": base64.b64encode(checkpoint.root).decode("ascii"),
            }
            self._save()
        timestamp = int(time.time())
        signature = self.private_key.sign(cosigned_message(note.text, timestamp))
        return cosignature_line(self.name, self.public_key, timestamp, signature)


def _handler(witness: Witness):
    class Handler(BaseHTTPRequestHandler):
        server_version = "lqa-witness"

        def _answer(self, status: int, body: str, content_type: str = "text/plain") -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            if self.path.rstrip("/").rsplit("/", 1)[-1] != "add-checkpoint":
                self._answer(404, "POST <prefix>/add-checkpoint\n")
                return
            try:
                length = int(self.headers.get("Content-Length", "-1"))
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_REQUEST:
                self._answer(400, f"a request has a Content-Length of at most {MAX_REQUEST}\n")
                return
            try:
                line = witness.add_checkpoint(self.rfile.read(length))
            except Refused as refused:
                kind = "text/x.tlog.size" if refused.status == 409 else "text/plain"
                self.log_message("refused (%s): %s", refused.status, refused)
                self._answer(refused.status, refused.body, kind)
                return
            self._answer(200, line)

        def do_GET(self) -> None:  # noqa: N802
            self._answer(200, f"witness {witness.name} {witness.public_key.hex()}\n")

    return Handler


def _load_key(path: Path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SystemExit(f"{path} is not an Ed25519 private key")
    return key


def _keygen(args) -> int:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if args.key.exists():
        raise SystemExit(f"{args.key} exists: a witness keeps its key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    args.key.touch(mode=0o600)
    args.key.write_bytes(pem)
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    print(f"Witness key written to {args.key}. Give the archive's operator this line:")
    print(f"{args.name} {public.hex()}")
    return 0


def _serve(args) -> int:
    logs = {}
    for item in args.log:
        origin, _sep, key_hex = item.rpartition("=")
        try:
            logs[origin] = bytes.fromhex(key_hex)
        except ValueError:
            raise SystemExit(f"--log {item!r}: ORIGIN=HEX_PUBLIC_KEY") from None
    witness = Witness(args.name, _load_key(args.key), args.state, logs)
    host, _sep, port = args.listen.rpartition(":")
    server = ThreadingHTTPServer((host, int(port)), _handler(witness))
    print(
        f"Witness {witness.name} ({witness.public_key.hex()}) listening on"
        f" http://{host}:{server.server_address[1]}/add-checkpoint",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="make the witness's Ed25519 key")
    keygen.add_argument("--name", required=True, help="the witness's name, e.g. zj-qs.example")
    keygen.add_argument("--key", required=True, type=Path)
    serve = commands.add_parser("serve", help="answer the archive's add-checkpoint requests")
    serve.add_argument("--name", required=True)
    serve.add_argument("--key", required=True, type=Path)
    serve.add_argument("--state", required=True, type=Path, help="the last co-signed sizes")
    serve.add_argument(
        "--log", action="append", required=True, help="ORIGIN=HEX: a log to follow, its key"
    )
    serve.add_argument("--listen", default="127.0.0.1:8800")
    args = parser.parse_args(argv)
    return _keygen(args) if args.command == "keygen" else _serve(args)


if __name__ == "__main__":
    sys.exit(main())
