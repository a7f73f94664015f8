"""The benchmark's synthetic archive: acceptance records and photo rows on the materials
synth's projects, marked as synthetic, and a trace over them."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from inspections.models import AcceptanceRecord, Photo, SignOff
from inspections.synth import InspectionSynthesizer
from materials.synth import Synthesizer
from responsibility.models import DefectCase
from responsibility.trace_json import defect_trace


def test_the_synthetic_records_and_photos_are_marked_and_traced(db):
    Synthesizer(chunk=7).run(projects=3, batches=10, deliveries=20, usages=60)
    made = InspectionSynthesizer(chunk=50).run(records=60, photos=30)

    records = AcceptanceRecord.objects.all()
    assert made["records"] == records.count() >= 50
    assert all(r.title.startswith("[SYNTH] ") for r in records)
    assert made["photos"] == Photo.objects.count() == 30
    assert all(p.original.bucket == "synthetic" for p in Photo.objects.select_related("original"))
    assert SignOff.objects.count() == made["sign_offs"]
    lots = records.filter(level="inspection_lot", locations__material_usages__isnull=False)
    lot = lots.select_related("parent__parent__parent").first()
    assert lot.parent.parent.parent.level == "unit"

    floor = lot.locations.get()
    case = DefectCase.objects.create(
        number="SYNTH-1",
        project=lot.project,
        unit_work=floor.unit_work,
        location=floor,
        discovered_on=datetime.date(2026, 3, 1),
        description="[SYNTH]",
        category="other",
        trigger="other",
        opened_by=get_user_model().objects.create_user("synth-reader"),
        opened_at=timezone.now(),
    )
    trace = defect_trace(case, file_link=lambda obj: f"/files/{obj.pk}/")
    assert lot.pk in {r["id"] for r in trace["acceptance_records"]}
    assert trace["material_usages"]
    # Synthetic rows were written without the ledger: they say so instead of a proof.
    assert all(u["ledger"] is None for u in trace["material_usages"])
