"""A project's archive as a BagIt package, checked offline: clean when untouched, and one
changed byte anywhere reported in plain words."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.utils.translation import gettext

from jobs.engine import run_queued
from ledger import signing
from ledger.models import LedgerEntry
from materials.services import batch_file_add
from projects.models import AuditEvent
from storage.errors import StorageUnavailable
from tests.responsibility.conftest import sign_all
from tests.responsibility.defect_data import named
from tests.storage.samples import pdf

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "verify_package.py"


@pytest.fixture
def package(tmp_path, project, site, signers) -> Path:
    """The exported package of a project with signed pledges, records, photos, a report."""
    sign_all(project, signers)
    run_queued()  # the photos' previews, made by the job worker
    path = tmp_path / "package.zip"
    call_command("export_archive", str(project.pk), "-o", str(path), stderr=io.StringIO())
    return path


def verify(path: Path) -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command("verify_package", str(path), stdout=out)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


def repack(src: Path, dst: Path, *, change=None, drop=(), add=None, fix_manifests=False) -> Path:
    """A copy of the package with one member changed, dropped or added; with
    ``fix_manifests`` the manifests are recomputed, as a careful forger would."""
    change, add = change or {}, add or {}
    with zipfile.ZipFile(src) as old:
        members = {name: old.read(name) for name in old.namelist() if name not in drop}
    for name, transform in change.items():
        members[name] = transform(members[name])
    members.update(add)
    if fix_manifests:
        payload = sorted(n for n in members if n.startswith("data/"))
        members["manifest-sha256.txt"] = "".join(
            f"{hashlib.sha256(members[n]).hexdigest()}  {n}\n" for n in payload
        ).encode()
        tags = ["manifest-sha256.txt", "bagit.txt", "bag-info.txt"]
        members["tagmanifest-sha256.txt"] = "".join(
            f"{hashlib.sha256(members[n]).hexdigest()}  {n}\n" for n in tags
        ).encode()
    with zipfile.ZipFile(dst, "w") as new:
        for name, data in members.items():
            new.writestr(name, data)
    return dst


def flip(data: bytes, at: int = 100) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def first_file(path: Path, content_type: str) -> str:
    with zipfile.ZipFile(path) as bag:
        for line in bag.read("data/files.jsonl").decode().splitlines():
            row = json.loads(line)
            if row["content_type"] == content_type:
                return row["path"]
    raise AssertionError(f"no {content_type} in the package")


def test_an_exported_package_holds_the_project_and_verifies_clean(package, project):
    with zipfile.ZipFile(package) as bag:
        names = set(bag.namelist())
        assert {
            "bagit.txt",
            "bag-info.txt",
            "manifest-sha256.txt",
            "tagmanifest-sha256.txt",
        } <= names
        assert "data/records/projects.project.jsonl" in names
        assert "data/records/inspections.acceptancerecord.jsonl" in names
        assert "data/records/materials.usage.jsonl" in names
        assert "data/ledger/checkpoint.txt" in names
        people = bag.read("data/records/projects.person.jsonl").decode()
        assert "李国强" in people
        assert "33018319850609" not in people  # ID numbers stay masked in a package
        info = bag.read("bag-info.txt").decode()
        assert f"External-Identifier: project {project.pk}" in info
    assert first_file(package, "application/pdf")  # the signed pledges
    assert first_file(package, "image/jpeg")  # the evidence photos
    ok, out = verify(package)
    assert ok, out
    assert "PDF signatures intact" in out
    event = AuditEvent.objects.get(action="export_package", project=project)
    assert event.outcome == AuditEvent.Outcome.COMPLETED


def test_a_package_holds_every_version_of_its_batches_files_and_verifies_clean(
    tmp_path, project, site, admin
):
    for n, reason in ((1, ""), (2, "厂家重新出具")):
        batch_file_add(
            batch=site["batch"],
            kind="certificate_of_conformity",
            fileobj=named(pdf(f"Certificate issue {n}"), "certificate.pdf"),
            reason=reason,
            actor=admin,
        )
    path = tmp_path / "package.zip"
    call_command("export_archive", str(project.pk), "-o", str(path), stderr=io.StringIO())
    with zipfile.ZipFile(path) as bag:
        versions = [
            json.loads(line)
            for line in bag.read("data/records/materials.batchfile.jsonl").decode().splitlines()
        ]
        files = bag.read("data/files.jsonl").decode()
    assert [v["content"]["version"] for v in versions] == [1, 2]
    assert files.count("stored_object of materials.batchfile") == 2
    ok, out = verify(path)
    assert ok, out


def test_the_standalone_script_checks_a_package_without_django_or_the_repository(package, tmp_path):
    """A regulator's copy: one file written by the script, run isolated (no repository on
    the path, no Django), far from the repository."""
    regulator = tmp_path / "regulator"
    regulator.mkdir()
    copy = regulator / "verify_package.py"
    run = subprocess.run(
        [sys.executable, "-I", str(SCRIPT), "--write-standalone", str(copy)],
        capture_output=True,
        text=True,
        cwd="/",
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    source = copy.read_text()
    assert "import django" not in source
    assert "from django" not in source
    assert not re.search(r"^(from|import) ledger", source, re.MULTILINE)

    def check(*keys: str) -> subprocess.CompletedProcess:
        trusted = [arg for key in keys for arg in ("--trusted-key", key)]
        return subprocess.run(
            [sys.executable, "-I", str(copy), str(package), *trusted],
            capture_output=True,
            text=True,
            cwd=regulator,
            timeout=120,
        )

    run = check(signing.public_key_bytes().hex())
    assert run.returncode == 0, run.stdout + run.stderr
    assert "The package is intact" in run.stdout
    run = check(Ed25519PrivateKey.generate().public_key().public_bytes_raw().hex())
    assert run.returncode == 1
    assert "not a key you trust" in run.stdout
    # The script in the repository runs the same verifier.
    run = subprocess.run(
        [sys.executable, "-I", str(SCRIPT), str(package)],
        capture_output=True,
        text=True,
        cwd="/",
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_one_changed_byte_in_a_file_is_named(package, tmp_path):
    photo = first_file(package, "image/jpeg")
    bad = repack(package, tmp_path / "bad.zip", change={photo: flip})
    ok, out = verify(bad)
    assert not ok
    assert f"{photo} (" in out
    assert re.search(rf"{photo} \(.+, \w+ of \w+\.\w+ \d+\)", out)  # and whose file it is
    assert "does not match the manifest — the file was changed after export" in out


def test_a_changed_record_is_caught_by_the_ledger_even_with_manifests_redone(package, tmp_path):
    def rename(data: bytes) -> bytes:
        return data.replace("李国强".encode(), "李某某".encode())

    bad = repack(
        package,
        tmp_path / "bad.zip",
        change={"data/records/projects.person.jsonl": rename},
        fix_manifests=True,
    )
    ok, out = verify(bad)
    assert not ok
    assert "projects.person" in out
    assert "the record was changed" in out


def test_a_changed_ledger_entry_or_proof_is_caught(package, tmp_path):
    def edit(key, value):
        def transform(data: bytes) -> bytes:
            lines = data.decode().splitlines()
            row = json.loads(lines[3])
            row[key] = value(row[key])
            lines[3] = json.dumps(row, ensure_ascii=False, sort_keys=True)
            return ("\n".join(lines) + "\n").encode()

        return transform

    entries = "data/ledger/entries.jsonl"
    bad = repack(
        package,
        tmp_path / "actor.zip",
        change={entries: edit("actor", lambda _a: "someone-else")},
        fix_manifests=True,
    )
    ok, out = verify(bad)
    assert not ok
    assert "does not hash to its leaf hash — the entry was changed" in out

    bad = repack(
        package,
        tmp_path / "proof.zip",
        change={entries: edit("proof", lambda p: ["00" * 32, *p[1:]])},
        fix_manifests=True,
    )
    ok, out = verify(bad)
    assert not ok
    assert "is not proven in the signed checkpoint" in out


def test_a_changed_checkpoint_or_another_key_is_reported(package, tmp_path):
    def bigger(note: bytes) -> bytes:
        lines = note.decode().split("\n")
        lines[1] = str(int(lines[1]) + 1)
        return "\n".join(lines).encode()

    bad = repack(
        package,
        tmp_path / "checkpoint.zip",
        change={"data/ledger/checkpoint.txt": bigger},
        fix_manifests=True,
    )
    ok, out = verify(bad)
    assert not ok
    assert "checkpoint's signature does not verify" in out

    # Re-signed, correctly, by a key that is not the archive's.
    forger = Ed25519PrivateKey.generate()
    public = forger.public_key().public_bytes_raw()

    def resign(note: bytes) -> bytes:
        body = note.decode().rpartition("\n\u2014 ")[0]
        origin = body.split("\n")[0]
        key_hash = hashlib.sha256(origin.encode() + b"\n\x01" + public).digest()[:4]
        stamp = base64.b64encode(key_hash + forger.sign(body.encode())).decode()
        return f"{body}\n\u2014 {origin} {stamp}\n".encode()

    bad = repack(
        package,
        tmp_path / "forged.zip",
        change={
            "data/ledger/checkpoint.txt": resign,
            "data/ledger/public_key.txt": lambda _k: public.hex().encode() + b"\n",
        },
        fix_manifests=True,
    )
    ok, out = verify(bad)
    assert not ok
    assert "not a key you trust" in out


def test_missing_extra_and_truncated(package, tmp_path):
    photo = first_file(package, "image/jpeg")
    ok, out = verify(repack(package, tmp_path / "missing.zip", drop=[photo]))
    assert not ok
    assert f"{photo}" in out
    assert "listed in the manifest but missing" in out

    extra = repack(package, tmp_path / "extra.zip", add={"data/files/extra.jpg": b"\xff\xd8"})
    ok, out = verify(extra)
    assert not ok
    assert "data/files/extra.jpg: in the package but not in the manifest" in out

    # A second copy under the same name: which one a reader sees depends on the unzip tool.
    twice = tmp_path / "twice.zip"
    twice.write_bytes(package.read_bytes())
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(twice, "a") as bag:
        bag.writestr(photo, b"\xff\xd8 another photo")
    ok, out = verify(twice)
    assert not ok
    assert f"{photo} is in the zip 2 times" in out

    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(package.read_bytes()[: package.stat().st_size // 2])
    ok, out = verify(truncated)
    assert not ok
    assert "truncated or damaged" in out


def test_the_api_streams_the_package_to_members_and_regulators_only(
    api_as, project, site, tmp_path, charlie, rita
):
    response = api_as("reggie").get(f"/api/v1/projects/{project.pk}/archive-package/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment; filename=" in response["Content-Disposition"]
    path = tmp_path / "download.zip"
    path.write_bytes(b"".join(response.streaming_content))
    ok, out = verify(path)
    assert ok, out
    event = AuditEvent.objects.get(action="export_package")
    assert event.actor.username == "reggie"
    assert event.outcome == AuditEvent.Outcome.COMPLETED  # once the last byte was sent
    member = api_as("alice").get(f"/api/v1/projects/{project.pk}/archive-package/")
    assert member.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(b"".join(member.streaming_content))).testzip() is None
    for outsider in ("charlie", "rita"):
        assert (
            api_as(outsider).get(f"/api/v1/projects/{project.pk}/archive-package/").status_code
            == 404
        )


@pytest.mark.slow
def test_with_the_object_store_down_the_export_is_refused_and_logged_as_failed(
    api_as, project, site, s3_server
):
    s3_server.stop()
    try:
        response = api_as("reggie").get(f"/api/v1/projects/{project.pk}/archive-package/")
    finally:
        s3_server.start()
    assert response.status_code == 503
    event = AuditEvent.objects.get(action="export_package")
    assert event.actor.username == "reggie"
    assert event.outcome == AuditEvent.Outcome.FAILED
    assert event.outcome_detail.startswith("The object store was unreachable")

    # The store goes away once the download has begun: the event that said "started" ends
    # as failed, with why.
    response = api_as("reggie").get(f"/api/v1/projects/{project.pk}/archive-package/")
    assert response.status_code == 200
    started = AuditEvent.objects.latest("pk")
    assert started.outcome == AuditEvent.Outcome.STARTED
    s3_server.stop()
    try:
        with pytest.raises(StorageUnavailable):
            b"".join(response.streaming_content)
    finally:
        s3_server.start()
    started.refresh_from_db()
    assert started.outcome == AuditEvent.Outcome.FAILED
    assert started.outcome_detail.startswith("The object store was unreachable")


@pytest.mark.slow
def test_an_export_cut_off_midway_leaves_no_file_behind_and_is_logged_as_failed(
    project, site, s3_server, tmp_path
):
    """The store goes away after the records are written (as a Ctrl+C would cut it): neither
    the package nor its .part file is left, so nobody mistakes half a package for one."""
    output = tmp_path / "package.zip"
    err = io.StringIO()
    s3_server.stop()
    try:
        with pytest.raises(Exception):  # noqa: B017, PT011 - whatever cut it off
            call_command("export_archive", str(project.pk), "-o", str(output), stderr=err)
    finally:
        s3_server.start()
    assert gettext("Interrupted: no package was written.") in err.getvalue()
    assert list(tmp_path.iterdir()) == []
    # The audit log says the export was tried and failed, and why, not just "exported".
    event = AuditEvent.objects.get(action="export_package", project=project)
    assert event.outcome == AuditEvent.Outcome.FAILED
    assert event.outcome_detail.startswith("The object store was unreachable")
    entries = LedgerEntry.objects.filter(record_type="projects.auditevent", record_id=str(event.pk))
    assert list(entries.values_list("action", flat=True)) == ["event", "state"]


# --- Every file proven by the record that names it, whatever the manifests say ---


def files_rows(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as bag:
        return [json.loads(line) for line in bag.read("data/files.jsonl").decode().splitlines()]


def record_content(path: Path, kind: str, record_id: int) -> dict:
    with zipfile.ZipFile(path) as bag:
        for line in bag.read(f"data/records/{kind}.jsonl").decode().splitlines():
            row = json.loads(line)
            if row["id"] == record_id:
                return row["content"]
    raise AssertionError(f"no {kind} {record_id} in the package")


def with_oxum(members_zip: Path) -> Path:
    """Recompute Payload-Oxum in bag-info.txt and the tag manifest after it, in place, as a
    careful forger would (repack recomputes the manifests)."""
    with zipfile.ZipFile(members_zip) as old:
        members = {name: old.read(name) for name in old.namelist()}
    payload = [n for n in members if n.startswith("data/")]
    oxum = f"{sum(len(members[n]) for n in payload)}.{len(payload)}"
    members["bag-info.txt"] = re.sub(
        rb"Payload-Oxum: \S+", f"Payload-Oxum: {oxum}".encode(), members["bag-info.txt"]
    )
    tags = ["manifest-sha256.txt", "bagit.txt", "bag-info.txt"]
    members["tagmanifest-sha256.txt"] = "".join(
        f"{hashlib.sha256(members[n]).hexdigest()}  {n}\n" for n in tags
    ).encode()
    with zipfile.ZipFile(members_zip, "w") as new:
        for name, data in members.items():
            new.writestr(name, data)
    return members_zip


def whose(row: dict) -> str:
    """'inspections.photo 1 (its original)' from files.jsonl's 'original of inspections.photo 1'."""
    what, _of, record = row["record"].partition(" of ")
    return f"{record} (its {what.replace('_', ' ')})"


def forge(src: Path, dst: Path, **changes) -> Path:
    return with_oxum(repack(src, dst, fix_manifests=True, **changes))


def standalone(path: Path, *args: str) -> tuple[bool, str]:
    run = subprocess.run(
        [sys.executable, "-I", str(SCRIPT), str(path), *args],
        capture_output=True,
        text=True,
        cwd="/",
        timeout=120,
    )
    assert "Traceback" not in run.stderr, run.stderr
    return run.returncode == 0, run.stdout


def both_refuse(path: Path, *expected: str) -> str:
    """The management command and the standalone script (given the archive's key) both
    refuse ``path``, each saying everything in ``expected``; returns the command's words."""
    ok, out = verify(path)
    assert not ok, out
    ok_alone, alone = standalone(path, "--trusted-key", signing.public_key_bytes().hex())
    assert not ok_alone, alone
    for text in expected:
        assert text in out, out
        assert text in alone, alone
    return out


def test_a_file_swapped_with_its_manifests_redone_is_named_with_its_record(package, tmp_path):
    """A forger who recomputes manifest-sha256.txt, tagmanifest-sha256.txt and Payload-Oxum
    passes the bag's own checks, but not the ledger's: each file must hash to the stored
    object its proven record names."""
    rows = files_rows(package)
    assert standalone(package, "--trusted-key", signing.public_key_bytes().hex())[0]
    photos = [r for r in rows if r["record"].startswith("original of inspections.photo")]
    pdfs = [
        r for r in rows if r["record"].startswith("pdf of responsibility.responsibilitydocument")
    ]
    images = [r for r in rows if r["content_type"] == "image/jpeg" and r not in photos[:1]]
    assert photos
    assert images
    assert len(pdfs) >= 2

    # One photo changed (one byte), everything the bag checks recomputed.
    photo = photos[0]
    record = photo["record"].removeprefix("original of ")
    out = both_refuse(
        forge(package, tmp_path / "changed.zip", change={photo["path"]: flip}),
        f"{photo['path']} ({photo['original_name']}) is not the file that {record} (its"
        " original) names",
        "the file was changed or replaced",
    )
    assert "manifest" not in out  # the bag's checks pass: the ledger is what finds it

    # A photo replaced by another image: another of the same package's.
    other = images[0]
    with zipfile.ZipFile(package) as bag:
        other_bytes = bag.read(other["path"])
    both_refuse(
        forge(package, tmp_path / "replaced.zip", change={photo["path"]: lambda _b: other_bytes}),
        f"is not the file that {record} (its original) names",
        f"These bytes are another file of the package: {whose(other)}",
    )

    # One signed PDF replaced by another document's signed PDF (its signature is intact).
    letter, pledge = pdfs[0], pdfs[1]
    with zipfile.ZipFile(package) as bag:
        pledge_bytes = bag.read(pledge["path"])
    both_refuse(
        forge(package, tmp_path / "pdf.zip", change={letter["path"]: lambda _b: pledge_bytes}),
        f"{letter['path']} ({letter['original_name']}) is not the file that {whose(letter)} names",
    )
    document_id = int(letter["record"].rsplit(" ", 1)[1])
    content = record_content(package, "responsibility.responsibilitydocument", document_id)
    assert content["pdf_id"] == letter["stored_object"]

    # A file no record names, listed in the manifest like any other.
    stray = b"\xff\xd8\xff\xe0 not evidence"
    stray_path = f"data/files/{hashlib.sha256(stray).hexdigest()}"
    both_refuse(
        forge(package, tmp_path / "extra.zip", add={stray_path: stray}),
        f"{stray_path}: no proven record names this file",
    )

    # A named file taken out: the record that names it says it is missing.
    both_refuse(
        forge(package, tmp_path / "missing.zip", drop=[photo["path"]]),
        f"{photo['path']} ({photo['original_name']}) is missing, yet {record} (its original)"
        " names it",
    )


def test_a_checkpoint_with_another_key_name_or_origin_is_refused(package, tmp_path):
    """The checkpoint is the archive's only under its own log name, key name and key ID; the
    key may be given as a C2SP verifier key (name+keyid+base64), which names the log too."""
    public = signing.public_key_bytes()
    name = "lifetime-quality-archive"
    key_id = hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4].hex()
    encoded = base64.b64encode(b"\x01" + public).decode()
    vkey = f"{name}+{key_id}+{encoded}"
    ok, out = standalone(package, "--trusted-key", vkey)
    assert ok, out
    ok, out = standalone(package, "--trusted-key", public.hex(), "--origin", "another-log")
    assert not ok
    assert "not of 'another-log', the log you expect" in out

    checkpoint = "data/ledger/checkpoint.txt"

    def rename_key(note: bytes) -> bytes:
        body, dash, signature = note.decode().rpartition("\n\u2014 ")
        name, stamp = signature.split(" ")
        return f"{body}{dash}other-archive {stamp}".encode()

    both_refuse(
        forge(package, tmp_path / "key-name.zip", change={checkpoint: rename_key}),
        "carries no signature under the key name 'lifetime-quality-archive'",
        "'other-archive'",
    )

    def rename_origin(note: bytes) -> bytes:
        return note.replace(b"lifetime-quality-archive\n", b"another-log\n", 1)

    both_refuse(
        forge(package, tmp_path / "origin.zip", change={checkpoint: rename_origin}),
        "is a checkpoint of the log 'another-log', not of 'lifetime-quality-archive'",
    )

    def no_blank_line(note: bytes) -> bytes:
        return note.replace(b"\n\n\xe2\x80\x94", b"\n\xe2\x80\x94")

    both_refuse(
        forge(package, tmp_path / "malformed.zip", change={checkpoint: no_blank_line}),
        "is not a signed checkpoint note: no blank line separates the text from the signatures",
    )


def test_the_verifier_knows_every_field_of_a_packaged_record_that_names_a_file(project):
    """The standalone verifier cannot ask Django which fields name files: its table must be
    the models' own, or a file would be missed or reported as unnamed."""
    from ledger.canonical import record_type
    from ledger.offline import FILE_FIELDS
    from responsibility.packages import _file_fields, _record_sets

    from_models = {
        record_type(model): tuple(sorted(_file_fields(model)))
        for model, _queryset in _record_sets(project)
        if _file_fields(model)
    }
    assert {kind: tuple(sorted(fields)) for kind, fields in FILE_FIELDS.items()} == from_models
