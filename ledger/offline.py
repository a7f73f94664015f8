"""Check an archive package of the Lifetime Quality Archive, offline.

    python3 verify_package.py PACKAGE.zip [--trusted-key HEX ...]

No server, no database, no Django: Python 3.11 and the ``cryptography`` package (``pyhanko``
too, if installed, to check the signatures inside signed PDFs). It checks:

1. the bag: ``bagit.txt``, every payload file against ``manifest-sha256.txt`` (changed,
   missing or unlisted files), the tag files against ``tagmanifest-sha256.txt``;
2. every record: its SHA-256 (of canonical JSON) against the content hash of its latest
   ledger entry;
3. every ledger entry: its leaf hash rebuilt from its fields, and its RFC 9162 inclusion
   proof against the root of the signed checkpoint;
4. the checkpoint's Ed25519 signature, and that the key is one you trust (``--trusted-key``,
   the archive's public key as published by the archive: never trust the key in the
   package alone);
5. the archive's signature inside every signed PDF, when pyHanko is available.

Prints each problem in plain words and exits 0 only when there is none.

This module is the one implementation: ``manage.py verify_package`` and
``scripts/verify_package.py`` run it. For a regulator, ``scripts/verify_package.py
--write-standalone FILE`` writes it as a single self-contained file (``ledger/merkle.py``
inlined, nothing else needed) to copy anywhere.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import logging
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ledger.merkle import leaf_hash, verify_inclusion  # inlined in the standalone copy

CHUNK = 1 << 20


# --- The archive's canonical JSON (ledger/canonical.py, without Django) ---


def canonical(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- Reading the package ---


class Report:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.notes: list[str] = []

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def note(self, text: str) -> None:
        self.notes.append(text)


def _read_lines(bag: zipfile.ZipFile, name: str) -> Iterator[tuple[int, str]]:
    with bag.open(name) as raw:
        for number, line in enumerate(io.TextIOWrapper(raw, encoding="utf-8"), start=1):
            if line.strip():
                yield number, line


def _sha256_of(bag: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with bag.open(name) as member:
        while chunk := member.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest(bag: zipfile.ZipFile, name: str, report: Report) -> dict[str, str]:
    listed: dict[str, str] = {}
    try:
        for number, line in _read_lines(bag, name):
            digest, _sep, path = line.rstrip("\n").partition("  ")
            if len(digest) != 64 or not path:
                report.problem(f"{name}, line {number}: not a 'SHA-256  path' line.")
                continue
            listed[path] = digest
    except KeyError:
        report.problem(f"{name} is missing: the package cannot be checked file by file.")
    return listed


def check_bag(bag: zipfile.ZipFile, report: Report, names: set[str]) -> None:
    if "bagit.txt" not in names:
        report.problem("bagit.txt is missing: this is not a BagIt bag.")
    manifest = _manifest(bag, "manifest-sha256.txt", report)
    payload = {n for n in names if n.startswith("data/") and not n.endswith("/")}
    files = _file_descriptions(bag, names)
    for path, digest in sorted(manifest.items()):
        if path not in names:
            report.problem(f"{path}{files.get(path, '')}: listed in the manifest but missing.")
        elif _sha256_of(bag, path) != digest:
            report.problem(
                f"{path}{files.get(path, '')}: its SHA-256 does not match the manifest — the"
                " file was changed after export."
            )
    for path in sorted(payload - manifest.keys()):
        report.problem(f"{path}: in the package but not in the manifest — it was added later.")
    tags = _manifest(bag, "tagmanifest-sha256.txt", report)
    for path, digest in sorted(tags.items()):
        if path not in names:
            report.problem(f"{path}: listed in the tag manifest but missing.")
        elif _sha256_of(bag, path) != digest:
            report.problem(f"{path}: its SHA-256 does not match the tag manifest — it was changed.")


def _file_descriptions(bag: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    if "data/files.jsonl" not in names:
        return {}
    described = {}
    try:
        for _number, line in _read_lines(bag, "data/files.jsonl"):
            row = json.loads(line)
            name = row.get("original_name") or row["content_type"]
            record = f", {row['record']}" if row.get("record") else ""
            described[row["path"]] = f" ({name}{record})"
    except (ValueError, KeyError, zipfile.BadZipFile):
        return {}
    return described


def check_ledger(bag: zipfile.ZipFile, report: Report, names: set[str], trusted: set[str]):
    try:
        note = bag.read("data/ledger/checkpoint.txt").decode("utf-8")
        public_key_hex = bag.read("data/ledger/public_key.txt").decode("ascii").strip()
    except (KeyError, UnicodeDecodeError):
        report.problem("The signed checkpoint (data/ledger/checkpoint.txt) or its key is missing.")
        return
    checkpoint = _checkpoint(note, public_key_hex, report, trusted)
    if checkpoint is None:
        return
    size, root = checkpoint

    latest: dict[tuple[str, str], tuple[int, str]] = {}
    if "data/ledger/entries.jsonl" not in names:
        report.problem("data/ledger/entries.jsonl is missing: no record can be proven.")
        return
    proven = 0
    for number, line in _read_lines(bag, "data/ledger/entries.jsonl"):
        where = f"data/ledger/entries.jsonl, line {number}"
        try:
            row = json.loads(line)
            proof = [bytes.fromhex(node) for node in row.pop("proof")]
            stored_leaf = row.pop("leaf_hash")
            index = row["index"]
        except (ValueError, KeyError, TypeError):
            report.problem(f"{where}: not a ledger entry.")
            continue
        leaf = leaf_hash(canonical(row))
        if leaf.hex() != stored_leaf:
            report.problem(
                f"{where}: entry #{index} ({row.get('type')} {row.get('id')}) does not hash to"
                " its leaf hash — the entry was changed."
            )
            continue
        if not verify_inclusion(leaf, index, size, proof, root):
            report.problem(
                f"{where}: entry #{index} ({row.get('type')} {row.get('id')}) is not proven in"
                f" the signed checkpoint of {size} entries — the entry or its proof was changed."
            )
            continue
        proven += 1
        key = (row["type"], str(row["id"]))
        if key not in latest or latest[key][0] < index:
            latest[key] = (index, row["hash"])
    report.note(f"{proven} ledger entries proven against the checkpoint of {size} entries.")
    check_records(bag, report, names, latest)


def _checkpoint(note: str, public_key_hex: str, report: Report, trusted: set[str]):
    body, _sep, signature_line = note.rpartition("\n\u2014 ")
    lines = body.split("\n")
    try:
        origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
        stamp = base64.b64decode(signature_line.split(" ")[1].strip(), validate=True)
        public_key = bytes.fromhex(public_key_hex)
    except (IndexError, ValueError):
        report.problem("data/ledger/checkpoint.txt is not a signed checkpoint note.")
        return None
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key_hash = hashlib.sha256(origin.encode() + b"\n\x01" + public_key).digest()[:4]
    try:
        if stamp[:4] != key_hash:
            raise InvalidSignature
        Ed25519PublicKey.from_public_bytes(public_key).verify(stamp[4:], body.encode())
    except (InvalidSignature, ValueError):
        report.problem(
            "The checkpoint's signature does not verify with the key in the package: the"
            " checkpoint or the key was changed."
        )
        return None
    key_id = hashlib.sha256(public_key).hexdigest()
    if trusted and public_key_hex.lower() not in trusted:
        report.problem(
            f"The checkpoint is signed by key {key_id[:16]}, which is not a key you trust:"
            " this package was not signed by the archive (or by another archive)."
        )
        return None
    if not trusted:
        report.note(
            f"Checkpoint signed by key {public_key_hex}; compare it with the archive's"
            " published key, or pass it with --trusted-key."
        )
    return size, root


def check_records(bag, report: Report, names: set[str], latest: dict) -> None:
    checked = 0
    for name in sorted(n for n in names if n.startswith("data/records/") and n.endswith(".jsonl")):
        kind = name.removeprefix("data/records/").removesuffix(".jsonl")
        for number, line in _read_lines(bag, name):
            try:
                row = json.loads(line)
                record_id, content = str(row["id"]), row["content"]
            except (ValueError, KeyError, TypeError):
                report.problem(f"{name}, line {number}: not a record.")
                continue
            entry = latest.get((kind, record_id))
            if entry is None:
                report.problem(
                    f"{name}, line {number}: {kind} {record_id} has no proven ledger entry."
                )
            elif hashlib.sha256(canonical(content)).hexdigest() != entry[1]:
                report.problem(
                    f"{name}, line {number}: {kind} {record_id} does not match its ledger"
                    f" entry #{entry[0]} — the record was changed."
                )
            checked += 1
    report.note(f"{checked} records checked against their ledger entries.")


def check_pdf_signatures(bag: zipfile.ZipFile, report: Report, names: set[str]) -> None:
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko_certvalidator import ValidationContext
    except ImportError:
        report.note("PDF signatures not checked: pyHanko is not installed.")
        return
    # Integrity only: whether the signer is the archive is what the ledger proves (the PDF's
    # SHA-256 is in a proven record). pyHanko logs the unknown signer loudly; keep it quiet.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    context = ValidationContext(trust_roots=[], allow_fetching=False)
    signed = 0
    for path in sorted(n for n in names if n.startswith("data/files/")):
        with bag.open(path) as member:
            if member.read(4) != b"%PDF":
                continue  # photos and other files: read no further
        data = bag.read(path)  # a PDF: pyHanko needs it whole
        try:
            signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
        except Exception:  # noqa: BLE001 - any parse failure is a finding, not a crash
            report.problem(f"{path}: cannot be read as a PDF.")
            continue
        for signature in signatures:
            status = validate_pdf_signature(signature, context)
            if not (status.intact and status.valid):
                report.problem(f"{path}: its PDF signature does not match its content.")
            elif status.coverage.name != "ENTIRE_FILE":
                report.problem(f"{path}: the PDF was changed after it was signed.")
            else:
                signed += 1
    report.note(f"{signed} PDF signatures intact.")


def verify(path: str, trusted_keys: list[str] | None = None) -> Report:
    report = Report()
    trusted = {key.strip().lower() for key in trusted_keys or [] if key.strip()}
    try:
        bag = zipfile.ZipFile(path)
        names = set(bag.namelist())
        bag.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        report.problem(f"{path} is not a complete zip file ({exc}): it was truncated or damaged.")
        return report
    try:
        check_bag(bag, report, names)
        check_ledger(bag, report, names, trusted)
        check_pdf_signatures(bag, report, names)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        report.problem(f"{path} could not be read to the end ({exc}): it is damaged.")
    return report


IMPORT_MERKLE = (
    "from ledger.merkle import leaf_hash, verify_inclusion  # inlined in the standalone copy\n"
)


def standalone_source() -> str:
    """This verifier as one file: ``ledger/merkle.py`` (pure hashlib) pasted in place of its
    import, so a regulator needs no repository."""
    here = Path(__file__).resolve()
    merkle = (here.parent / "merkle.py").read_text(encoding="utf-8")
    merkle = merkle.replace("from __future__ import annotations\n", "")
    source = here.read_text(encoding="utf-8")
    if IMPORT_MERKLE not in source:
        raise RuntimeError("ledger/offline.py no longer imports ledger.merkle as expected")
    inlined = f"# --- ledger/merkle.py, inlined ---\n{merkle}\n# --- end of ledger/merkle.py ---\n"
    return "#!/usr/bin/env python3\n" + source.replace(IMPORT_MERKLE, inlined)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?")
    parser.add_argument(
        "--write-standalone",
        metavar="FILE",
        type=Path,
        help="write this verifier as one self-contained file to FILE, for a regulator",
    )
    parser.add_argument(
        "--trusted-key",
        action="append",
        default=[],
        help="the archive's Ed25519 public key in hex (repeat for retired keys)",
    )
    args = parser.parse_args(argv)
    if args.write_standalone:
        args.write_standalone.write_text(standalone_source(), encoding="utf-8")
        print(
            f"Wrote {args.write_standalone}: run it with python3 {args.write_standalone.name}"
            " PACKAGE.zip --trusted-key HEX"
        )
        return 0
    if not args.package:
        parser.error("the package to check is missing")
    report = verify(args.package, args.trusted_key)
    for note in report.notes:
        print(note)
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    if report.problems:
        print(f"{len(report.problems)} problem(s): the package is NOT intact.")
        return 1
    print("The package is intact: every file, record and ledger entry checks out.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
