"""Check an archive package of the Lifetime Quality Archive, offline.

    python3 verify_package.py PACKAGE.zip [--trusted-key KEY ...] [--origin NAME]

No server, no database, no Django: Python 3.11 and the ``cryptography`` package (``pyhanko``
too, if installed, to check the signatures inside signed PDFs). It checks:

1. the checkpoint (``data/ledger/checkpoint.txt``), parsed strictly as a C2SP signed note: its
   origin line is the log you expect (``--origin``), and one signature line carries the key
   name and key ID of a key you trust (``--trusted-key``: the archive's public key as the
   archive publishes it, never the key in the package alone) and verifies with it;
2. every ledger entry: its leaf hash rebuilt from its fields, and its RFC 9162 inclusion
   proof against the root of that checkpoint;
3. every record: its SHA-256 (of canonical JSON) against the content hash of its latest
   proven ledger entry;
4. every file in ``data/files/``: its bytes hash to the SHA-256 of a proven stored-object
   record, named by a proven record (a photo, a test report, a signed letter…) — so a file
   replaced by another, even another of the package's own, is found, and so is a file no
   proven record names or a named file that is missing;
5. the bag: ``bagit.txt`` and the manifests, as a transport check only (a forger can
   recompute them: the proofs above are what a forger cannot redo);
6. the archive's signature inside every signed PDF, when pyHanko is available.

Prints each problem in plain words, naming the record and the file, and exits 0 only when
there is none.

This module is the one implementation: ``manage.py verify_package`` and
``scripts/verify_package.py`` run it. For a regulator, ``scripts/verify_package.py
--write-standalone FILE`` writes it as a single self-contained file (``ledger/merkle.py``
inlined, nothing else needed) to copy anywhere.
"""

from __future__ import annotations

import argparse
import binascii
import hashlib
import io
import json
import logging
import sys
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ledger.merkle import leaf_hash, verify_inclusion  # inlined in the standalone copy
from ledger.notes import (  # inlined in the standalone copy
    Checkpoint,
    NoteError,
    TrustedKey,
    cosignature_time,
    ed25519_valid,
    parse_checkpoint,
    parse_note,
    parse_trusted_key,
)

CHUNK = 1 << 20
DEFAULT_ORIGIN = "lifetime-quality-archive"  # the archive's LEDGER_LOG_ID unless changed

# The fields of each record type that name a stored file (``storage.storedobject`` ids), as
# the archive's models have them (tests/responsibility/test_packages.py pins this against
# the models): how the verifier reaches every file from a proven record.
FILE_FIELDS: dict[str, tuple[str, ...]] = {
    "inspections.photo": ("original_id", "preview_id", "thumbnail_id"),
    "materials.batch": ("certificate_of_conformity_id", "type_test_report_id"),
    "materials.batchfile": ("stored_object_id",),
    "materials.deliveryphoto": ("preview_id", "stored_object_id", "thumbnail_id"),
    "materials.recallevidence": ("stored_object_id",),
    "materials.testreport": ("stored_object_id",),
    "projects.projectdocument": ("stored_object_id",),
    "responsibility.defectcasehold": ("stored_object_id",),
    "responsibility.plaque": ("pdf_id",),
    "responsibility.plaqueinstallationphoto": ("preview_id", "stored_object_id", "thumbnail_id"),
    "responsibility.responsibilitydocument": ("pdf_id",),
    "responsibility.signingevidence": ("signature_image_id",),
}
STORED_OBJECT = "storage.storedobject"


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


def check_bag(bag: zipfile.ZipFile, report: Report, names: set[str]) -> dict[str, str]:
    """The transport check: the manifests against the files. Returns the SHA-256 of every
    payload file, each file read once, for the checks that follow."""
    if "bagit.txt" not in names:
        report.problem("bagit.txt is missing: this is not a BagIt bag.")
    manifest = _manifest(bag, "manifest-sha256.txt", report)
    payload = {n for n in names if n.startswith("data/") and not n.endswith("/")}
    digests = {path: _sha256_of(bag, path) for path in sorted(payload)}
    files = _file_descriptions(bag, names)
    for path, digest in sorted(manifest.items()):
        if path not in names:
            report.problem(f"{path}{files.get(path, '')}: listed in the manifest but missing.")
        elif digests.get(path, digest) != digest:
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
    return digests


def _file_descriptions(bag: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """What ``data/files.jsonl`` says each file is: a description for the transport check's
    messages only, never evidence (it is not in the ledger)."""
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


def check_checkpoint(
    note_text: str, trusted: list[TrustedKey], origin: str, report: Report
) -> Checkpoint | None:
    """The checkpoint, when it is of the log ``origin`` and signed by one of ``trusted``
    under its own key name and key ID; else None, with the reason in ``report``.

    Signature lines of other keys are left alone here: they are witnesses' cosignatures
    (C2SP tlog-cosignature), which a witness policy checks on its own."""
    where = "data/ledger/checkpoint.txt"
    try:
        checkpoint = parse_checkpoint(parse_note(note_text))
    except NoteError as exc:
        report.problem(f"{where} is not a signed checkpoint note: {exc}.")
        return None
    if checkpoint.origin != origin:
        report.problem(
            f"{where} is a checkpoint of the log '{checkpoint.origin}', not of '{origin}', the"
            " log you expect (--origin): it is another log's, or its origin line was changed."
        )
        return None
    names = [s.name for s in checkpoint.note.signatures]
    by_name = [s for s in checkpoint.note.signatures if s.name in {k.name for k in trusted}]
    if not by_name:
        report.problem(
            f"{where} carries no signature under the key name '{trusted[0].name}' (it names"
            f" {', '.join(repr(n) for n in names) or 'none'}): the checkpoint's signature line"
            " was changed, or another archive signed it."
        )
        return None
    for signature in by_name:
        for key in trusted:
            if (key.name, key.key_hash) != (signature.name, signature.key_hash):
                continue
            if ed25519_valid(key.public_key, signature.signature, checkpoint.note.text.encode()):
                return checkpoint
            report.problem(
                "The checkpoint's signature does not verify with the archive's key: the"
                " checkpoint was changed after it was signed."
            )
            return None
    report.problem(
        f"The checkpoint is signed under the key name '{by_name[0].name}' by the key with ID"
        f" {by_name[0].key_hash.hex()}, which is not a key you trust: this package was not"
        " signed by the archive (or by another archive)."
    )
    return None


# --- Witnesses: who else vouches that this checkpoint extends the history they saw ---


@dataclass(frozen=True)
class WitnessPolicy:
    witnesses: list[tuple[str, bytes]]  # (key name, raw Ed25519 public key)
    quorum: int


def parse_witness_policy(specs: list[str], quorum: int | None) -> WitnessPolicy:
    """``NAME=HEX`` (or ``NAME HEX``, as the witness's keygen prints it) for each witness
    you trust; ``quorum`` how many of them must have co-signed (by default all)."""
    witnesses = []
    for spec in specs:
        name, _sep, key_hex = spec.replace(" ", "=", 1).partition("=")
        try:
            key = bytes.fromhex(key_hex)
        except ValueError:
            key = b""
        if not name or len(key) != 32:
            raise ValueError(f"--witness {spec!r} is not NAME=HEX (an Ed25519 public key)")
        witnesses.append((name, key))
    quorum = len(witnesses) if quorum is None else quorum
    if not 1 <= quorum <= len(witnesses):
        raise ValueError(f"a quorum of {quorum} needs between 1 and {len(witnesses)} witnesses")
    return WitnessPolicy(witnesses, quorum)


def check_witnesses(checkpoint: Checkpoint, policy: WitnessPolicy, report: Report) -> None:
    """At least ``policy.quorum`` of the witnesses co-signed the checkpoint (C2SP
    tlog-cosignature): each checked, before co-signing, that it extends the last tree it
    co-signed, so a rewritten history re-signed by the archive alone lacks the quorum."""
    cosigned, missing = [], []
    for name, key in policy.witnesses:
        (cosigned if cosignature_time(checkpoint.note, name, key) else missing).append(name)
    for name in cosigned:
        report.note(f"Witness {name} co-signed the checkpoint.")
    if len(cosigned) < policy.quorum:
        report.problem(
            f"The checkpoint is co-signed by {len(cosigned)} of the {len(policy.witnesses)}"
            f" witnesses you named ({', '.join(missing)} did not), and your policy needs"
            f" {policy.quorum}: no independent witness vouches that this history extends the"
            " one they saw — it may have been rewritten, or was exported before they co-signed."
        )


# --- The ledger, the records, the files ---


@dataclass
class Proven:
    """What the ledger proves of the package: each record's latest proven entry, and of the
    records that match it, the stored objects and the files they name."""

    latest: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    objects: dict[str, dict] = field(default_factory=dict)  # stored object id → its content
    # stored object id → (record type, record id, field) of each proven record naming it
    named_by: dict[str, list[tuple[str, str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    unproven: set[tuple[str, str]] = field(default_factory=set)


def check_ledger(
    bag: zipfile.ZipFile,
    report: Report,
    names: set[str],
    trusted: list[TrustedKey],
    origin: str,
    policy: WitnessPolicy | None = None,
) -> Proven | None:
    try:
        note = bag.read("data/ledger/checkpoint.txt").decode("utf-8")
        in_package = bag.read("data/ledger/public_key.txt").decode("ascii").strip()
    except (KeyError, UnicodeDecodeError):
        report.problem("The signed checkpoint (data/ledger/checkpoint.txt) or its key is missing.")
        return None
    if not trusted:
        try:
            trusted = [parse_trusted_key(in_package, origin)]
        except ValueError:
            report.problem("data/ledger/public_key.txt is not an Ed25519 public key in hex.")
            return None
        report.note(
            f"Checkpoint checked with the key in the package, {in_package}; compare it with"
            " the archive's published key, or pass that with --trusted-key."
        )
    checkpoint = check_checkpoint(note, trusted, origin, report)
    if checkpoint is None:
        return None
    if policy is not None:
        check_witnesses(checkpoint, policy, report)
    size, root = checkpoint.size, checkpoint.root

    proven = Proven()
    latest = proven.latest
    if "data/ledger/entries.jsonl" not in names:
        report.problem("data/ledger/entries.jsonl is missing: no record can be proven.")
        return None
    count = 0
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
        count += 1
        key = (row["type"], str(row["id"]))
        if key not in latest or latest[key][0] < index:
            latest[key] = (index, row["hash"])
    report.note(f"{count} ledger entries proven against the checkpoint of {size} entries.")
    check_records(bag, report, names, proven)
    return proven


def check_records(bag, report: Report, names: set[str], proven: Proven) -> None:
    checked = 0
    for name in sorted(n for n in names if n.startswith("data/records/") and n.endswith(".jsonl")):
        kind = name.removeprefix("data/records/").removesuffix(".jsonl")
        file_fields = FILE_FIELDS.get(kind, ())
        for number, line in _read_lines(bag, name):
            try:
                row = json.loads(line)
                record_id, content = str(row["id"]), row["content"]
            except (ValueError, KeyError, TypeError):
                report.problem(f"{name}, line {number}: not a record.")
                continue
            checked += 1
            entry = proven.latest.get((kind, record_id))
            if entry is None:
                report.problem(
                    f"{name}, line {number}: {kind} {record_id} has no proven ledger entry."
                )
                proven.unproven.add((kind, record_id))
                continue
            if hashlib.sha256(canonical(content)).hexdigest() != entry[1]:
                report.problem(
                    f"{name}, line {number}: {kind} {record_id} does not match its ledger"
                    f" entry #{entry[0]} — the record was changed."
                )
                proven.unproven.add((kind, record_id))
                continue
            if kind == STORED_OBJECT:
                proven.objects[record_id] = content
            for attname in file_fields:
                if isinstance(content, dict) and content.get(attname) is not None:
                    proven.named_by[str(content[attname])].append(
                        (kind, record_id, attname.removesuffix("_id").replace("_", " "))
                    )
    report.note(f"{checked} records checked against their ledger entries.")


def _whose(proven: Proven, object_id: str) -> str:
    """'inspections.photo 12 (its original)': the proven records naming a stored object."""
    namers = proven.named_by.get(object_id) or []
    described = [f"{kind} {record_id} (its {what})" for kind, record_id, what in namers[:3]]
    more = f" and {len(namers) - 3} more" if len(namers) > 3 else ""
    return ", ".join(described) + more


def check_files(report: Report, names: set[str], digests: dict[str, str], proven: Proven) -> None:
    """Every file in ``data/files/`` is the file a proven record names, byte for byte; every
    file a proven record names is there."""
    by_sha: dict[str, list[str]] = defaultdict(list)  # SHA-256 → proven stored objects
    for object_id, record_ids in sorted(proven.named_by.items()):
        content = proven.objects.get(object_id)
        if content is None:
            kind, record_id, what = record_ids[0]
            report.problem(
                f"{kind} {record_id} names stored object {object_id} as its {what}, but the"
                " package has no proven record of that stored object: which file it is cannot"
                " be proven."
            )
            continue
        by_sha[str(content.get("sha256"))].append(object_id)
    files = {n for n in names if n.startswith("data/files/") and not n.endswith("/")}
    reached = 0
    for path in sorted(files):
        claimed = path.removeprefix("data/files/")
        object_ids = by_sha.get(claimed)
        if not object_ids:
            report.problem(
                f"{path}: no proven record names this file — it was added to the package, or"
                " the record naming it is not proven."
            )
            continue
        content = proven.objects[object_ids[0]]
        title = content.get("original_name") or content.get("content_type") or "a file"
        actual = digests[path]
        if actual != claimed:
            others = by_sha.get(actual)
            instead = (
                f" These bytes are another file of the package: {_whose(proven, others[0])}'s."
                if others
                else ""
            )
            report.problem(
                f"{path} ({title}) is not the file that {_whose(proven, object_ids[0])} names:"
                f" the ledger proves that file (stored object {object_ids[0]}) has SHA-256"
                f" {claimed}, but these bytes hash to {actual} — the file was changed or"
                f" replaced.{instead}"
            )
            continue
        reached += 1
    for sha, object_ids in sorted(by_sha.items()):
        if f"data/files/{sha}" not in files:
            content = proven.objects[object_ids[0]]
            title = content.get("original_name") or content.get("content_type") or "a file"
            report.problem(
                f"data/files/{sha} ({title}) is missing, yet {_whose(proven, object_ids[0])}"
                f" names it (stored object {object_ids[0]})."
            )
    report.note(f"{reached} files are the files their proven records name.")


def check_pdf_signatures(bag: zipfile.ZipFile, report: Report, names: set[str]) -> None:
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.diff_analysis import ModificationLevel
        from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
        from pyhanko_certvalidator import ValidationContext
    except ImportError:
        report.note("PDF signatures not checked: pyHanko is not installed.")
        return
    # Integrity only: whether the signer is the archive is what the ledger proves (the PDF's
    # SHA-256 is in a proven record). pyHanko logs the unknown signer loudly; keep it quiet.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    context = ValidationContext(trust_roots=[], allow_fetching=False)
    signed = timestamps = 0
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
            # A long-term (PAdES B-LTA) PDF carries document timestamps after the signature,
            # and validation material added since: both may follow a signature, nothing else.
            is_timestamp = signature.sig_object_type == "/DocTimeStamp"
            check = validate_pdf_timestamp if is_timestamp else validate_pdf_signature
            status = check(signature, context)
            later_additions = status.coverage.name == "ENTIRE_REVISION" and (
                status.modification_level is not None
                and status.modification_level <= ModificationLevel.LTA_UPDATES
            )
            if not (status.intact and status.valid):
                report.problem(f"{path}: its PDF signature does not match its content.")
            elif status.coverage.name != "ENTIRE_FILE" and not later_additions:
                report.problem(f"{path}: the PDF was changed after it was signed.")
            elif is_timestamp:
                timestamps += 1
            else:
                signed += 1
    report.note(f"{signed} PDF signatures intact ({timestamps} document timestamps).")


def verify(
    path: str,
    trusted_keys: list[str] | None = None,
    origin: str | None = None,
    witnesses: list[str] | None = None,
    quorum: int | None = None,
) -> Report:
    """Check the package at ``path``. ``trusted_keys``: the archive's keys as it publishes
    them (hex, or C2SP verifier keys); ``origin``: the name of the archive's log (by default
    the name in the first verifier key, else ``DEFAULT_ORIGIN``); ``witnesses`` (``NAME=HEX``)
    and ``quorum``: the witness policy the checkpoint must meet (none if no witness given)."""
    report = Report()
    keys = [key for key in trusted_keys or [] if key.strip()]
    try:
        named = [parse_trusted_key(key, "") for key in keys if "+" in key]
        origin = origin or (named[0].name if named else DEFAULT_ORIGIN)
        trusted = [parse_trusted_key(key, origin) for key in keys]
    except (ValueError, binascii.Error) as exc:
        report.problem(f"A trusted key is not usable: {exc}.")
        return report
    try:
        policy = parse_witness_policy(witnesses, quorum) if witnesses else None
    except ValueError as exc:
        report.problem(f"The witness policy is not usable: {exc}.")
        return report
    try:
        bag = zipfile.ZipFile(path)
        listed = bag.namelist()
        names = set(listed)
        bag.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        report.problem(f"{path} is not a complete zip file ({exc}): it was truncated or damaged.")
        return report
    if len(listed) != len(names):
        for name in sorted(n for n in names if listed.count(n) > 1):
            report.problem(
                f"{name} is in the zip {listed.count(name)} times: an unzip tool may show a"
                " copy other than the one checked here, so the package cannot be trusted."
            )
    try:
        digests = check_bag(bag, report, names)
        proven = check_ledger(bag, report, names, trusted, origin, policy)
        if proven is not None:
            check_files(report, names, digests, proven)
        check_pdf_signatures(bag, report, names)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        report.problem(f"{path} could not be read to the end ({exc}): it is damaged.")
    return report


def standalone_source() -> str:
    """This verifier as one file (``ledger/merkle.py`` and ``ledger/notes.py`` pasted in place
    of their imports), so a regulator needs no repository."""
    from ledger.standalone import standalone_source as one_file

    return one_file(Path(__file__).resolve())


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
        help=(
            "the archive's Ed25519 public key, in hex or as a C2SP verifier key"
            " (name+keyid+base64); repeat for retired keys"
        ),
    )
    parser.add_argument(
        "--origin",
        help=(
            "the archive log's name, its checkpoints' first line (default: the name in the"
            f" verifier key, else {DEFAULT_ORIGIN})"
        ),
    )
    parser.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="NAME=HEX",
        help="a witness you trust and its Ed25519 public key; repeat for each",
    )
    parser.add_argument(
        "--witness-quorum",
        type=int,
        metavar="N",
        help="how many of the --witness must have co-signed the checkpoint (default: all)",
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
    report = verify(args.package, args.trusted_key, args.origin, args.witness, args.witness_quorum)
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
