"""Synthetic acceptance records, sign-offs and photo rows for benchmarks, on the projects of
``materials.synth`` (run that first).

Same rules as ``materials.synth``: ``bulk_create`` in committed chunks, without the services
and without ledger entries, every row marked — titles and captions start with ``[SYNTH]``,
photo files are rows in the bucket ``synthetic`` that no object store holds. Never run this
on a real archive.

Per project: a unit-work record, a main-structure division, one sub-item per floor and
inspection lots on each floor (linked to the floor's location), each lot signed by the
supervising engineer and the quality inspector and accepted; photos spread over the lots.
"""

from __future__ import annotations

import datetime
import hashlib
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from inspections.models import AcceptanceRecord, Photo, SignOff
from projects.models import Location, Person, Project, UnitWork
from storage.models import StoredObject

SYNTH_PREFIX = "[SYNTH] "
SYNTH_BUCKET = "synthetic"
START = datetime.date(2024, 1, 15)

Progress = Callable[[str, int, int, float], None]
Level = AcceptanceRecord.Level


def _fake_object(label: str, n: int, *, archival: bool) -> StoredObject:
    sha = hashlib.sha256(f"{label}-{n}".encode()).hexdigest()
    return StoredObject(
        sha256=sha,
        size=1,
        content_type="image/jpeg",
        bucket=SYNTH_BUCKET,
        key=f"sha256/{sha[:2]}/{sha[2:4]}/{sha}",
        retention_until=timezone.now() + datetime.timedelta(days=365 * 50) if archival else None,
        original_name=f"{SYNTH_PREFIX}{label}-{n}.jpg",
    )


class InspectionSynthesizer:
    def __init__(self, *, chunk: int = 5000, progress: Progress | None = None):
        self.chunk = chunk
        self.progress = progress or (lambda *args: None)

    def run(self, *, records: int, photos: int) -> dict:
        projects = list(
            Project.objects.filter(name__startswith=SYNTH_PREFIX)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not projects:
            raise RuntimeError("no synthetic projects: run materials.synth first")
        user = get_user_model().objects.get(username="synth-supervisor")
        signer = Person.objects.get(user=user)
        works = dict(
            UnitWork.objects.filter(project_id__in=projects).values_list("project_id", "pk")
        )
        floors: dict[int, list[int]] = {}
        for location_id, work_id in (
            Location.objects.filter(unit_work_id__in=works.values())
            .order_by("pk")
            .values_list("pk", "unit_work_id")
        ):
            floors.setdefault(work_id, []).append(location_id)
        per_project = max(1, records // len(projects))
        floor_count = max(len(f) for f in floors.values())
        lots_per_floor = max(1, (per_project - 2 - floor_count) // floor_count)
        per_project = 2 + floor_count * (1 + lots_per_floor)
        photos_per_lot = photos / max(1, len(projects) * floor_count * lots_per_floor)
        group = max(1, self.chunk // per_project)

        with transaction.atomic():
            preview, thumbnail = StoredObject.objects.bulk_create(
                [
                    _fake_object("preview", 0, archival=False),
                    _fake_object("thumbnail", 0, archival=False),
                ],
                ignore_conflicts=True,
            )
            preview = StoredObject.objects.get(bucket=SYNTH_BUCKET, sha256=preview.sha256)
            thumbnail = StoredObject.objects.get(bucket=SYNTH_BUCKET, sha256=thumbnail.sha256)
        record_type = ContentType.objects.get_for_model(AcceptanceRecord)
        through = AcceptanceRecord.locations.through
        made = {"records": 0, "sign_offs": 0, "photos": 0}
        photo_debt = 0.0
        started = time.monotonic()
        now = timezone.now()
        for at in range(0, len(projects), group):
            with transaction.atomic():
                batch = projects[at : at + group]

                def record(project_id, level, title, parent=None, day=START):
                    return AcceptanceRecord(
                        project_id=project_id,
                        unit_work_id=works[project_id],
                        level=level,
                        parent=parent,
                        title=f"{SYNTH_PREFIX}{title}",
                        date=day,
                        state=AcceptanceRecord.State.ACCEPTED,
                        accepted_at=now,
                    )

                units = AcceptanceRecord.objects.bulk_create(
                    record(p, Level.UNIT, "单位工程") for p in batch
                )
                divisions = AcceptanceRecord.objects.bulk_create(
                    record(u.project_id, Level.DIVISION, "主体结构分部", u) for u in units
                )
                sub_items = AcceptanceRecord.objects.bulk_create(
                    record(d.project_id, Level.SUB_ITEM, f"{n + 1}层钢筋分项", d)
                    for d in divisions
                    for n in range(len(floors[works[d.project_id]]))
                )
                lots, lot_floor = [], []
                by_project: dict[int, list[AcceptanceRecord]] = {}
                for sub_item in sub_items:
                    by_project.setdefault(sub_item.project_id, []).append(sub_item)
                for project_id, items in by_project.items():
                    for floor_id, sub_item in zip(floors[works[project_id]], items, strict=False):
                        for k in range(lots_per_floor):
                            day = START + datetime.timedelta(days=(floor_id + k) % 200)
                            lots.append(
                                record(
                                    project_id, Level.INSPECTION_LOT, f"检验批{k}", sub_item, day
                                )
                            )
                            lot_floor.append(floor_id)
                lots = AcceptanceRecord.objects.bulk_create(lots)
                through.objects.bulk_create(
                    through(acceptancerecord_id=lot.pk, location_id=floor_id)
                    for lot, floor_id in zip(lots, lot_floor, strict=True)
                )
                sign_offs = SignOff.objects.bulk_create(
                    SignOff(
                        record_id=lot.pk,
                        round=1,
                        capacity=capacity,
                        person=signer,
                        user=user,
                        signed_at=now,
                        content_sha256="0" * 64,
                    )
                    for lot in lots
                    for capacity in (
                        SignOff.Capacity.SUPERVISING_ENGINEER,
                        SignOff.Capacity.QUALITY_INSPECTOR,
                    )
                )
                owners = []
                for lot in lots:
                    photo_debt += photos_per_lot
                    while photo_debt >= 1 and made["photos"] + len(owners) < photos:
                        owners.append(lot)
                        photo_debt -= 1
                first = made["photos"]
                originals = StoredObject.objects.bulk_create(
                    _fake_object("photo", first + n, archival=True) for n in range(len(owners))
                )
                Photo.objects.bulk_create(
                    Photo(
                        project_id=lot.project_id,
                        subject_type=record_type,
                        subject_id=lot.pk,
                        original=original,
                        preview=preview,
                        thumbnail=thumbnail,
                        width=4000,
                        height=3000,
                        caption=f"{SYNTH_PREFIX}照片",
                        location_id=None,
                        uploaded_by=user,
                        received_at=now,
                    )
                    for lot, original in zip(owners, originals, strict=True)
                )
            made["records"] += len(units) + len(divisions) + len(sub_items) + len(lots)
            made["sign_offs"] += len(sign_offs)
            made["photos"] += len(owners)
            elapsed = time.monotonic() - started
            total = per_project * len(projects)
            self.progress("acceptance records", made["records"], total, made["records"] / elapsed)
        return made
