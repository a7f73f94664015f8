"""Archive packages: a project's whole archive as a BagIt bag (RFC 8493) in a zip.

What is in it, so a regulator can check it offline, years later, without our server:

- ``data/records/<record type>.jsonl`` — every ledgered record of the project, one per line,
  as the ledger hashes it (``ledger_content``): re-hashing a line gives the content hash of
  the record's latest ledger entry. Personal data stays as the archive keeps it: masked, and
  a keyed index; never decrypted into a package.
- ``data/files/<sha256>`` — every stored file those records name (photos, scans, signed
  PDFs), the exact bytes, read from the object store and checked against their SHA-256 while
  they stream; ``data/files.jsonl`` says which is which (a description: the verifier proves
  each file from the ``storage.storedobject`` record its proven record names).
- ``data/ledger/entries.jsonl`` — every ledger entry of those records; ``proofs.jsonl`` — the
  RFC 9162 inclusion proof of each against ``checkpoint.txt``, a checkpoint signed for the
  export (C2SP signed note), and ``public_key.txt``, the key that signed it.
- ``manifest-sha256.txt`` and ``tagmanifest-sha256.txt``, ``bagit.txt``, ``bag-info.txt``.

The zip is written into a generator: nothing is held whole in memory, whatever the size,
and a download starts at once. ``scripts/verify_package.py`` checks a package.
"""

from __future__ import annotations

import collections
import datetime
import hashlib
import io
import json
import queue
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from zlib_ng import zlib_ng

from inspections.models import AcceptanceRecord, AcceptanceRound, Photo, SignOff
from ledger import signing
from ledger.canonical import canonical_json, record_type
from ledger.models import LedgerEntry
from ledger.selectors import inclusion_proofs
from ledger.services import checkpoint_covering
from ledger.witnesses import configured_witnesses, cosignatures_collect
from materials.models import (
    Batch,
    BatchFile,
    DefectNotice,
    Delivery,
    DeliveryPhoto,
    MaterialCategory,
    RecallAction,
    RecallEvidence,
    Sample,
    TestReport,
    Usage,
)
from projects.models import (
    AuditEvent,
    LeadTenure,
    Location,
    Membership,
    Organization,
    Participation,
    Person,
    Project,
    ProjectDocument,
    UnitWork,
)
from projects.services import audit_event_outcome
from responsibility.models import (
    DefectCase,
    DefectCaseHold,
    Plaque,
    PlaqueInstallation,
    PlaqueInstallationPhoto,
    ResponsibilityDocument,
    SigningEvidence,
)
from storage.errors import StorageUnavailable
from storage.models import StoredObject
from storage.selectors import object_read

CHUNK = 2000
PROOF_BATCH = 2000
READ_CHUNK = 1024 * 1024  # the store's reads: fewer hand-overs per byte than 256 KiB
PREFETCH_CHUNKS = 8  # 8 MiB read ahead of the zip, at most
SOFTWARE = "Lifetime Quality Archive (lifetime-quality-archive)"

Progress = Callable[[str, int, int], None]  # what, items done, bytes written


def zip_crc_fast() -> None:
    """Make zipfile compute its CRC-32 with zlib-ng's (SIMD, ~4× the system zlib's here).

    Every byte of a package goes through zipfile's CRC-32; with the system zlib it cost more
    CPU per byte than the SHA-256 check (bench/RESULTS.md, 2026-12-02), on a machine where
    the object store competes for the same cores. zipfile looks its ``crc32`` up at each
    call, so this is the one place to change it; the values are the same (checked here),
    so every other zip of the process — the verifier's reads included — only gets faster.
    """
    if zipfile.crc32 is not zlib_ng.crc32:
        probe = b"lifetime quality archive"
        if zlib_ng.crc32(probe, 7) != zlib.crc32(probe, 7):  # pragma: no cover - a broken build
            raise RuntimeError("zlib-ng's CRC-32 differs from zlib's")
        zipfile.crc32 = zlib_ng.crc32


zip_crc_fast()


def _record_sets(project: Project) -> list[tuple[type[models.Model], models.QuerySet]]:
    """Every ledgered record that belongs to ``project``, model by model, as querysets."""
    deliveries = Delivery.objects.filter(project=project)
    batches = Batch.objects.filter(pk__in=deliveries.values("batch_id"))
    actions = RecallAction.objects.filter(project=project)
    records = AcceptanceRecord.objects.filter(project=project)
    documents = ResponsibilityDocument.objects.filter(project=project)
    participations = Participation.objects.filter(project=project)
    tenures = LeadTenure.objects.filter(project=project)
    memberships = Membership.objects.filter(project=project)
    samples = Sample.objects.filter(delivery__project=project)
    organizations = Organization.objects.filter(
        Q(pk__in=participations.values("organization_id"))
        | Q(pk__in=batches.values("manufacturer_id"))
        | Q(pk__in=deliveries.values("supplier_id"))
        | Q(pk__in=samples.values("testing_lab_id"))
        | Q(pk__in=Usage.objects.filter(delivery__project=project).values("installer_id"))
    )
    people = Person.objects.filter(
        Q(pk__in=tenures.values("person_id"))
        | Q(pk__in=documents.values("signer_id"))
        | Q(user__in=memberships.values("user_id"))
        | Q(pk__in=organizations.values("legal_representative_id"))
        | Q(pk__in=SignOff.objects.filter(record__project=project).values("person_id"))
        | Q(pk__in=deliveries.values("inspected_by_id"))
        | Q(pk__in=samples.values("sampler_id"))
        | Q(pk__in=samples.values("witness_id"))
    )
    return [
        (Project, Project.objects.filter(pk=project.pk)),
        (UnitWork, UnitWork.objects.filter(project=project)),
        (Location, Location.objects.filter(unit_work__project=project)),
        (Organization, organizations),
        (Person, people),
        (Participation, participations),
        (LeadTenure, tenures),
        (Membership, memberships),
        (ProjectDocument, ProjectDocument.objects.filter(project=project)),
        (ResponsibilityDocument, documents),
        (SigningEvidence, SigningEvidence.objects.filter(document__project=project)),
        (Plaque, Plaque.objects.filter(unit_work__project=project)),
        (PlaqueInstallation, PlaqueInstallation.objects.filter(plaque__unit_work__project=project)),
        (
            PlaqueInstallationPhoto,
            PlaqueInstallationPhoto.objects.filter(
                installation__plaque__unit_work__project=project
            ),
        ),
        (MaterialCategory, MaterialCategory.objects.filter(pk__in=batches.values("category_id"))),
        (Batch, batches),
        (BatchFile, BatchFile.objects.filter(batch__in=batches)),
        (Delivery, deliveries),
        (DeliveryPhoto, DeliveryPhoto.objects.filter(delivery__project=project)),
        (Sample, samples),
        (TestReport, TestReport.objects.filter(sample__delivery__project=project)),
        (Usage, Usage.objects.filter(delivery__project=project)),
        (DefectNotice, DefectNotice.objects.filter(pk__in=actions.values("notice_id"))),
        (RecallAction, actions),
        (RecallEvidence, RecallEvidence.objects.filter(action__project=project)),
        (AcceptanceRecord, records),
        (AcceptanceRound, AcceptanceRound.objects.filter(record__project=project)),
        (SignOff, SignOff.objects.filter(record__project=project)),
        (Photo, Photo.objects.filter(project=project)),
        (DefectCase, DefectCase.objects.filter(project=project)),
        (DefectCaseHold, DefectCaseHold.objects.filter(case__project=project)),
        (AuditEvent, AuditEvent.objects.filter(project=project)),
    ]


def _file_fields(model: type[models.Model]) -> list[str]:
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is StoredObject
    ]


@dataclass(frozen=True)
class PackageContents:
    """What a project's package will hold, counted before it is made: records per type (the
    model's plural name and count, in package order), files and their bytes."""

    records: list[tuple[str, int]]
    record_count: int
    file_count: int
    file_bytes: int


def package_contents(project: Project) -> PackageContents:
    """Counts of what ``package_stream`` will write for ``project``: one COUNT per record
    type and one for the files (distinct contents, as the package stores each once), so
    the cost does not grow with the archive."""
    records = []
    named = Q(pk__in=[])
    for model, queryset in _record_sets(project):
        count = queryset.count()
        if count:
            records.append((str(model._meta.verbose_name_plural), count))
        for attname in _file_fields(model):
            named |= Q(pk__in=queryset.values(attname))
    files = (
        StoredObject.objects.filter(named)
        .values("sha256", "size")
        .distinct()
        .aggregate(count=models.Count("sha256"), size=models.Sum("size"))
    )
    return PackageContents(
        records=records,
        record_count=sum(count for _, count in records),
        file_count=files["count"] or 0,
        file_bytes=files["size"] or 0,
    )


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream the zip is written into and read back out of in
    pieces; zipfile then writes data descriptors instead of seeking back."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts = []
        return data


@dataclass
class _Bag:
    zip: zipfile.ZipFile
    sink: _Sink
    manifest: list[tuple[str, str]] = field(default_factory=list)  # (sha256, path)
    manifest_tags: list[tuple[str, str]] = field(default_factory=list)
    payload_bytes: int = 0

    def member(
        self,
        path: str,
        chunks,
        *,
        compress: bool,
        payload: bool = True,
        sha256: str | None = None,
    ) -> Iterator[bytes]:
        """Write one zip member from ``chunks`` and list it in the manifest. ``sha256``, when
        given, is what the chunks are known to hash to (``object_read`` checks a stored
        file's hash as it streams and raises if it differs), saving a second pass."""
        info = zipfile.ZipInfo(path, date_time=_zip_time())
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        digest = None if sha256 else hashlib.sha256()
        size = 0
        with self.zip.open(info, "w", force_zip64=True) as out:
            for chunk in chunks:
                out.write(chunk)
                if digest is not None:
                    digest.update(chunk)
                size += len(chunk)
                yield self.sink.take()
        sha256 = sha256 or digest.hexdigest()
        if payload:
            self.manifest.append((sha256, path))
            self.payload_bytes += size
        else:
            self.manifest_tags.append((sha256, path))
        yield self.sink.take()


def _zip_time() -> tuple[int, int, int, int, int, int]:
    now = datetime.datetime.now(datetime.UTC)
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)


def _lines(rows) -> Iterator[bytes]:
    for row in rows:
        yield json.dumps(row, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"


def package_name(project: Project) -> str:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"archive-project-{project.pk}-{stamp}.zip"


def package_stream(
    *, project: Project, exporter: str, progress: Progress | None = None
) -> Iterator[bytes]:
    """The package of ``project`` as zip bytes, in pieces. A checkpoint is signed first, so
    every entry in the package has a proof against it, and the configured witnesses are
    asked to co-sign it (a witness that is down or refuses leaves its line out: a verifier
    with a witness policy then says so)."""
    checkpoint = checkpoint_covering()
    if configured_witnesses():
        cosignatures_collect(checkpoint)
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", allowZip64=True)
    bag = _Bag(zip=archive, sink=sink)
    done = 0

    def tick(what: str) -> None:
        if progress is not None:
            progress(what, done, sink.position)

    # Each stored file's id → the first record naming it ("original of inspections.photo
    # 12"), so a finding about a file can say whose file it is.
    file_refs: dict[int, str] = {}
    record_sets = _record_sets(project)
    for model, queryset in record_sets:
        kind = record_type(model)
        file_fields = _file_fields(model)

        def rows(queryset=queryset, file_fields=file_fields, kind=kind):
            nonlocal done
            for instance in queryset.order_by("pk").iterator(chunk_size=CHUNK):
                content = json.loads(canonical_json(instance.ledger_content()))
                for attname in file_fields:
                    if (object_id := getattr(instance, attname)) is not None:
                        file_refs.setdefault(
                            object_id, f"{attname.removesuffix('_id')} of {kind} {instance.pk}"
                        )
                done += 1
                yield {"id": instance.pk, "content": content}

        yield from bag.member(f"data/records/{kind}.jsonl", _lines(rows()), compress=True)
        tick(kind)

    objects = StoredObject.objects.filter(pk__in=file_refs.keys()).order_by("pk")
    yield from bag.member(
        "data/records/storage.storedobject.jsonl",
        _lines(
            {"id": o.pk, "content": json.loads(canonical_json(o.ledger_content()))}
            for o in objects.iterator(chunk_size=CHUNK)
        ),
        compress=True,
    )
    yield from bag.member(
        "data/files.jsonl",
        _lines(
            {
                "sha256": o.sha256,
                "path": f"data/files/{o.sha256}",
                "original_name": o.original_name,
                "content_type": o.content_type,
                "size": o.size,
                "stored_object": o.pk,
                "record": file_refs[o.pk],
            }
            for o in objects.iterator(chunk_size=CHUNK)
        ),
        compress=True,
    )

    def unique() -> Iterator[StoredObject]:
        seen: set[str] = set()
        for obj in objects.iterator(chunk_size=200):
            if obj.sha256 not in seen:  # the same bytes in both buckets: one copy is enough
                seen.add(obj.sha256)
                yield obj

    for obj, chunks in _prefetched(unique()):
        yield from bag.member(f"data/files/{obj.sha256}", chunks, compress=False, sha256=obj.sha256)
        done += 1
        tick("files")

    record_sets.append((StoredObject, objects))
    entries = _entries(record_sets, checkpoint.tree_size)
    yield from bag.member("data/ledger/entries.jsonl", _lines(entries), compress=True)
    yield from bag.member(
        "data/ledger/checkpoint.txt", [checkpoint.witnessed_note().encode()], compress=False
    )
    yield from bag.member(
        "data/ledger/public_key.txt", [checkpoint.public_key.encode() + b"\n"], compress=False
    )
    yield from _tag_files(bag, project=project, exporter=exporter, checkpoint=checkpoint)
    archive.close()
    tick("done")
    yield sink.take()


_END = object()


def _prefetched(
    objects: Iterator[StoredObject], *, depth: int = PREFETCH_CHUNKS
) -> Iterator[tuple[StoredObject, Iterator[bytes]]]:
    """Each object with its bytes, read by a background thread up to ``depth`` chunks (of
    READ_CHUNK) ahead, so the store's network read and the SHA-256 check overlap with the zip's
    CRC and the writing (both release the GIL): one object ahead at most, so memory stays
    bounded whatever the files' sizes. Errors of the read (store down, hash mismatch) are
    raised here, in the caller's thread. Each chunk iterator must be read to its end before
    the next object is taken."""
    todo: queue.SimpleQueue = queue.SimpleQueue()
    out: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def reader() -> None:
        while (obj := todo.get()) is not None:
            stream = None
            try:
                stream = object_read(
                    obj=obj, chunk_size=READ_CHUNK
                )  # raises at once if the store is down
                for chunk in stream:
                    if not put(chunk):
                        return
            except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
                put(exc)
                return
            finally:
                if stream is not None:
                    stream.close()
            if not put(_END):
                return

    def chunks() -> Iterator[bytes]:
        while True:
            try:
                item = out.get(timeout=1)
            except queue.Empty:
                if not thread.is_alive():
                    raise RuntimeError("the reader of the package's files stopped") from None
                continue
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    thread = threading.Thread(target=reader, name="package-prefetch", daemon=True)
    thread.start()
    pending: collections.deque[StoredObject] = collections.deque()
    try:
        for obj in objects:
            todo.put(obj)  # the reader may start on it while the previous one is written
            pending.append(obj)
            if len(pending) > 1:
                yield pending.popleft(), chunks()
        while pending:
            yield pending.popleft(), chunks()
    finally:
        stop.set()
        todo.put(None)
        thread.join(timeout=10)


def _entries(record_sets, tree_size: int) -> Iterator[dict]:
    """Every ledger entry of the packaged records that the checkpoint covers, with its
    inclusion proof, record type by record type, fetched and proven in batches."""
    for model, queryset in record_sets:
        kind = record_type(model)
        pks = queryset.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
        for ids in _batched(pks, PROOF_BATCH):
            batch = list(
                LedgerEntry.objects.filter(
                    record_type=kind,
                    record_id__in=[str(pk) for pk in ids],
                    index__lt=tree_size,
                ).order_by("index")
            )
            proofs = inclusion_proofs([e.index for e in batch], tree_size)
            for entry in batch:
                row = json.loads(canonical_json(entry.leaf_data()))
                row["leaf_hash"] = entry.leaf_hash
                row["proof"] = [node.hex() for node in proofs[entry.index]]
                yield row


def _batched(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _tag_files(bag: _Bag, *, project: Project, exporter: str, checkpoint) -> Iterator[bytes]:
    manifest = "".join(f"{digest}  {path}\n" for digest, path in bag.manifest).encode()
    yield from bag.member("manifest-sha256.txt", [manifest], compress=True, payload=False)
    yield from bag.member(
        "bagit.txt",
        [b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"],
        compress=False,
        payload=False,
    )
    info = {
        "Source-Organization": SOFTWARE,
        "Bagging-Date": datetime.date.today().isoformat(),
        "Bag-Software-Agent": SOFTWARE,
        "External-Identifier": f"project {project.pk}",
        "External-Description": project.name,
        "Contact-Name": exporter,
        "Payload-Oxum": f"{bag.payload_bytes}.{len(bag.manifest)}",
        "Checkpoint-Tree-Size": str(checkpoint.tree_size),
        "Checkpoint-Root-Hash": checkpoint.root_hash,
        "Archive-Public-Key": checkpoint.public_key,
        "Archive-Key-Id": signing.key_id(bytes.fromhex(checkpoint.public_key)),
    }
    text = "".join(f"{key}: {value}\n" for key, value in info.items()).encode("utf-8")
    yield from bag.member("bag-info.txt", [text], compress=False, payload=False)
    tags = "".join(f"{digest}  {path}\n" for digest, path in bag.manifest_tags).encode()
    yield from bag.member("tagmanifest-sha256.txt", [tags], compress=False, payload=False)


def export_failure(exc: BaseException) -> str:
    """Why an export stopped, in words for the audit log."""
    if isinstance(exc, StorageUnavailable):
        return f"The object store was unreachable: {exc}"
    if isinstance(exc, KeyboardInterrupt):
        return "Interrupted (Ctrl+C or a stop signal) before the package was complete."
    if isinstance(exc, GeneratorExit):
        return "The download was cut off before the package was complete."
    return f"{type(exc).__name__}: {exc}"


def package_stream_recorded(stream: Iterator[bytes], *, event: AuditEvent) -> Iterator[bytes]:
    """``stream`` (a package) that records in the export's audit event how it ended:
    completed once the last byte is handed on, failed (and why) if it stops before."""
    try:
        yield from stream
    except BaseException as exc:
        audit_event_outcome(
            event=event, outcome=AuditEvent.Outcome.FAILED, detail=export_failure(exc)
        )
        raise
    audit_event_outcome(event=event, outcome=AuditEvent.Outcome.COMPLETED)
