"""Witnesses co-sign the archive's checkpoints only while the log keeps extending the tree
they last co-signed: two witness processes (scripts/ledger_witness.py, as an independent
office would run it) against the archive's real ledger on PostgreSQL."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction

from ledger import merkle, notes, signing
from ledger import witness as protocol
from ledger.canonical import canonical_json, record_type
from ledger.models import Checkpoint, Cosignature, LedgerEntry, LedgerHead, LedgerNode
from ledger.services import checkpoint_create, ledger_append
from ledger.witnesses import cosignatures_collect

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


class WitnessProcess:
    def __init__(self, name: str, directory: Path) -> None:
        self.name = name
        self.key_path = directory / f"{name}.pem"
        self.state_path = directory / f"{name}.json"
        key = Ed25519PrivateKey.generate()
        self.key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        self.public_key = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        log = f"{settings.LEDGER_LOG_ID}={signing.public_key_bytes().hex()}"
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, str(ROOT / "scripts" / "ledger_witness.py"), "serve"]
            + ["--name", name, "--key", str(self.key_path), "--state", str(self.state_path)]
            + ["--log", log, "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        started = self.process.stdout.readline()  # "… listening on http://127.0.0.1:PORT/…"
        assert "listening on" in started, started
        self.url = started.split("listening on ")[1].rsplit("/add-checkpoint", 1)[0]

    @property
    def config(self) -> str:
        return f"{self.name}={self.public_key.hex()}@{self.url}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def witnesses(tmp_path, settings):
    started = [WitnessProcess("zj-quality-office", tmp_path), WitnessProcess("hz-notary", tmp_path)]
    settings.LEDGER_WITNESSES = [w.config for w in started]
    yield started
    for witness in started:
        witness.stop()


def _checkpoint_command() -> str:
    output = io.StringIO()
    call_command("ledger_checkpoint", stdout=output, stderr=output)
    return output.getvalue()


def _append(count: int, actor) -> None:
    for _n in range(count):
        with transaction.atomic():
            ledger_append(record=actor, action="event", actor=actor)


def test_each_checkpoint_is_cosigned_while_the_log_only_grows(witnesses, inspector):
    _append(5, inspector)
    _checkpoint_command()
    first = Checkpoint.objects.latest("tree_size")
    _append(7, inspector)
    _checkpoint_command()
    second = Checkpoint.objects.latest("tree_size")

    for checkpoint in (first, second):
        note = notes.parse_note(checkpoint.witnessed_note())
        for witness in witnesses:
            assert notes.cosignature_time(note, witness.name, witness.public_key)
        assert notes.log_signature_valid(note, settings.LEDGER_LOG_ID, signing.public_key_bytes())
    # Each witness remembers the last tree it co-signed, in its own file.
    for witness in witnesses:
        state = json.loads(witness.state_path.read_text())[settings.LEDGER_LOG_ID]
        assert state["size"] == second.tree_size
        assert base64.b64decode(state["root"]).hex() == second.root_hash


def _rewrite_history(index: int) -> None:
    """What an operator with database access could do: change an old entry, rebuild the tree
    (leaf, cached subtrees, head) so everything hashes, and sign anew with the archive key."""
    entry = LedgerEntry.objects.get(index=index)
    entry.content_hash = "0" * 64
    entry.leaf_hash = merkle.leaf_hash(canonical_json(entry.leaf_data())).hex()
    entry.save()
    LedgerNode.objects.all().delete()
    frontier: list[bytes] = []
    leaves = LedgerEntry.objects.order_by("index").values_list("leaf_hash", flat=True)
    for size, leaf in enumerate(leaves):
        frontier = merkle.frontier_append(frontier, size, bytes.fromhex(leaf))
    LedgerHead.objects.filter(pk=1).update(frontier=[h.hex() for h in frontier])


def test_a_rewritten_history_is_refused_by_every_witness(witnesses, inspector):
    _append(6, inspector)
    _checkpoint_command()
    witnessed = Checkpoint.objects.latest("tree_size")

    _rewrite_history(2)
    _append(3, inspector)
    rewritten = checkpoint_create()  # signed with the operator's own key: it verifies
    assert notes.log_signature_valid(
        notes.parse_note(rewritten.note), settings.LEDGER_LOG_ID, signing.public_key_bytes()
    )
    outcomes = cosignatures_collect(rewritten)

    assert [o.cosigned for o in outcomes] == [False, False]
    assert all("forked or was rewritten" in o.message for o in outcomes)
    assert not Cosignature.objects.filter(checkpoint=rewritten).exists()
    with pytest.raises(CommandError, match="2 witness"):
        _checkpoint_command()
    # The witnesses still hold the honest tree.
    for witness in witnesses:
        state = json.loads(witness.state_path.read_text())[settings.LEDGER_LOG_ID]
        assert state["size"] == witnessed.tree_size


def test_a_witness_that_forgot_is_brought_up_to_date_and_one_that_is_down_is_reported(
    witnesses, inspector
):
    _append(4, inspector)
    _checkpoint_command()
    # The archive lost its cosignature rows (restored from an older backup): it asks from 0,
    # the witness answers 409 with the size it holds, and the archive retries from there.
    Cosignature.objects.all().delete()
    _append(2, inspector)
    checkpoint = checkpoint_create()
    witnesses[1].stop()

    outcomes = {o.witness: o for o in cosignatures_collect(checkpoint)}

    assert outcomes["zj-quality-office"].cosigned
    assert not outcomes["hz-notary"].cosigned
    assert "unreachable" in outcomes["hz-notary"].message


# --- The witness's own checks, without processes ---


@pytest.fixture
def log_key():
    return Ed25519PrivateKey.generate()


def _note(key, origin: str, size: int, root: bytes) -> str:
    body = f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    stamp = notes.ed25519_key_hash(origin, public) + key.sign(body.encode())
    return f"{body}\n\u2014 {origin} {base64.b64encode(stamp).decode()}\n"


def _witness(tmp_path, log_key, origin="example.org/log"):
    public = log_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return protocol.Witness(
        "office", Ed25519PrivateKey.generate(), tmp_path / "state.json", {origin: public}
    )


def _request(old: int, proof: list[bytes], note: str) -> bytes:
    lines = [f"old {old}"] + [base64.b64encode(p).decode() for p in proof]
    return ("\n".join(lines) + "\n\n" + note).encode()


@pytest.mark.parametrize(
    ("request_body", "status"),
    [
        (b"\xff\xfe", 400),
        (b"old 0\n", 400),
        (b"new 0\n\nx", 400),
        (b"old 0\nnot-base64!\n\nx", 400),
        (b"old 0\n\nnot a note\n", 400),
    ],
)
def test_malformed_requests_are_refused(tmp_path, log_key, request_body, status):
    with pytest.raises(protocol.Refused) as refused:
        _witness(tmp_path, log_key).add_checkpoint(request_body)
    assert refused.value.status == status


def test_the_witness_checks_the_log_key_the_size_and_consistency(tmp_path, log_key):
    leaves = [merkle.leaf_hash(bytes([n])) for n in range(11)]
    witness = _witness(tmp_path, log_key)
    stranger = Ed25519PrivateKey.generate()
    origin = "example.org/log"
    root5, root11 = merkle.root_from_leaves(leaves[:5]), merkle.root_from_leaves(leaves)

    with pytest.raises(protocol.Refused) as unknown:
        witness.add_checkpoint(_request(0, [], _note(log_key, "other.org/log", 5, root5)))
    assert unknown.value.status == 404
    with pytest.raises(protocol.Refused) as forged:
        witness.add_checkpoint(_request(0, [], _note(stranger, origin, 5, root5)))
    assert forged.value.status == 403

    line = witness.add_checkpoint(_request(0, [], _note(log_key, origin, 5, root5)))
    note = notes.parse_note(_note(log_key, origin, 5, root5) + line)
    assert notes.cosignature_time(note, "office", witness.public_key)

    with pytest.raises(protocol.Refused) as stale:
        witness.add_checkpoint(_request(0, [], _note(log_key, origin, 11, root11)))
    assert (stale.value.status, stale.value.body) == (409, "5\n")

    forked = merkle.root_from_leaves([merkle.leaf_hash(b"x"), *leaves[1:]])
    proof = merkle.consistency_proof(5, leaves)
    with pytest.raises(protocol.Refused) as fork:
        witness.add_checkpoint(_request(5, proof, _note(log_key, origin, 11, forked)))
    assert fork.value.status == 422

    # A restarted witness reads what it co-signed from its file, and goes on from there.
    restarted = protocol.Witness(
        "office", witness.private_key, tmp_path / "state.json", witness.logs
    )
    assert restarted.add_checkpoint(_request(5, proof, _note(log_key, origin, 11, root11)))


@pytest.mark.parametrize(
    "text",
    [
        "origin\n1\nAAAA\n",  # no signature
        "origin\n1\nroot\n\n— origin c2ln\n",  # a signature too short
        "origin\n1\nroot\n\n- origin c2lnbmF0dXJl\n",  # not an em dash
        "origin\n1\nroot\n\n— two words c2lnbmF0dXJl\n",
        "origin\n1\nroot\r\n\n— origin c2lnbmF0dXJl\n",
        "origin\n1\nroot\n\n— origin c2lnbmF0dXJl",  # no final newline
    ],
)
def test_a_note_is_parsed_strictly(text):
    with pytest.raises(notes.NoteError):
        notes.parse_note(text)


def test_the_standalone_witness_runs_without_the_repository(tmp_path):
    target = tmp_path / "witness.py"
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            str(ROOT / "scripts" / "ledger_witness.py"),
            "--write-standalone",
            str(target),
        ],
        check=True,
        capture_output=True,
    )
    made = subprocess.run(  # noqa: S603
        [
            sys.executable,
            str(target),
            "keygen",
            "--name",
            "office",
            "--key",
            str(tmp_path / "k.pem"),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert made.stdout.splitlines()[-1].startswith("office ")


# --- A package carries the cosignatures; the offline verifier applies a witness policy ---


def _export(project, path) -> None:
    call_command("export_archive", str(project.pk), "-o", str(path), stderr=io.StringIO())


def _verify(path, witnesses, quorum=None) -> tuple[int, str]:
    args = [str(path), "--trusted-key", signing.public_key_bytes().hex()]
    for witness in witnesses:
        args += ["--witness", f"{witness.name}={witness.public_key.hex()}"]
    if quorum is not None:
        args += ["--witness-quorum", str(quorum)]
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "scripts" / "verify_package.py"), *args],
        capture_output=True,
        text=True,
    )
    return result.returncode, result.stdout


def test_a_package_meets_the_witness_policy_until_history_is_rewritten(
    witnesses, project, inspector, tmp_path
):
    _append(3, inspector)  # entries of a record outside the package
    honest = tmp_path / "honest.zip"
    _export(project, honest)  # the export asks the witnesses to co-sign its checkpoint

    status, out = _verify(honest, witnesses)
    assert status == 0, out
    assert "Witness zj-quality-office co-signed the checkpoint." in out
    assert "Witness hz-notary co-signed the checkpoint." in out

    # History rewritten where the package does not look: only witnesses can tell.
    _rewrite_history(_first_entry_of(inspector))
    _append(2, inspector)
    rewritten = tmp_path / "rewritten.zip"
    _export(project, rewritten)

    status, out = _verify(rewritten, witnesses, quorum=1)
    assert status == 1
    assert "co-signed by 0 of the 2 witnesses you named" in out
    assert "your policy needs 1" in out
    # Without a witness policy the verifier cannot tell: the operator's signature is valid.
    status, out = _verify(rewritten, [])
    assert status == 0, out
    # A policy naming a witness key that is not the one that signed finds no cosignature.
    status, out = _verify(honest, witnesses[:1] + [WitnessKeyOnly("hz-notary")], quorum=2)
    assert status == 1
    assert "1 of the 2 witnesses you named (hz-notary did not)" in out


def _first_entry_of(record) -> int:
    entries = LedgerEntry.objects.filter(record_type=record_type(record), record_id=str(record.pk))
    return entries.order_by("index").values_list("index", flat=True).first()


class WitnessKeyOnly:
    def __init__(self, name: str) -> None:
        self.name = name
        self.public_key = (
            Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )


@pytest.mark.parametrize(
    ("witness_args", "message"),
    [
        (["--witness", "office=zz"], "is not NAME=HEX"),
        (["--witness", "office=" + "00" * 32, "--witness-quorum", "2"], "a quorum of 2"),
    ],
)
def test_an_unusable_witness_policy_is_refused_in_words(tmp_path, witness_args, message):
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "scripts" / "verify_package.py"), str(tmp_path / "x.zip")]
        + witness_args,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert message in result.stdout
