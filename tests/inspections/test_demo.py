from io import StringIO

from django.core.management import call_command

from inspections.models import AcceptanceRecord, AcceptanceRound, Photo
from projects.models import Project


def test_the_demo_has_acceptance_records_with_photos_and_a_resubmitted_lot(db):
    call_command("load_demo", stdout=StringIO())
    project = Project.objects.get()
    states = dict(AcceptanceRecord.objects.filter(project=project).values_list("level", "state"))
    assert states == {
        "unit": "self_check",
        "division": "submitted",
        "sub_item": "accepted",
        "concealed": "accepted",
        "inspection_lot": "accepted",
    }
    lot = AcceptanceRecord.objects.get(level="inspection_lot")
    assert list(AcceptanceRound.objects.filter(record=lot).values_list("outcome", flat=True)) == [
        "returned",
        "accepted",
    ]
    photo = Photo.objects.filter(project=project).first()
    assert Photo.objects.filter(project=project).count() == 4
    assert photo.latitude is not None
    assert photo.captured_at is not None
    assert photo.flags == []

    counts = AcceptanceRecord.objects.count(), Photo.objects.count()
    call_command("load_demo", stdout=StringIO())
    assert (AcceptanceRecord.objects.count(), Photo.objects.count()) == counts
