from io import StringIO

from django.core.management import call_command

from materials.models import Batch, Delivery, MaterialCategory, Usage
from projects.models import Project


def test_the_catalogue_install_adds_the_shipped_categories_once(db):
    out = StringIO()
    call_command("material_catalogue_install", stdout=out)
    assert "Installed 10 material categories" in out.getvalue()
    assert MaterialCategory.objects.get(code="cable").ccc_required
    assert MaterialCategory.objects.get(code="cement").structural
    call_command("material_catalogue_install", stdout=out)
    assert "Installed 0 material categories" in out.getvalue()


def test_synth_archive_builds_the_sizes_asked_for_and_says_they_are_synthetic(db):
    out = StringIO()
    call_command(
        "synth_archive",
        "--projects=3",
        "--batches=10",
        "--deliveries=20",
        "--usages=50",
        "--chunk=7",
        stdout=out,
    )
    text = out.getvalue()
    assert "WITHOUT ledger entries" in text
    assert "usages: 50/50" in text
    assert Project.objects.filter(name__startswith="[SYNTH]").count() == 3
    assert Batch.objects.filter(synthetic=True).count() == 10
    assert Delivery.objects.filter(synthetic=True, state="accepted").count() == 20
    assert Usage.objects.filter(synthetic=True).count() == 50
    for usage in Usage.objects.select_related("delivery", "location__unit_work"):
        assert usage.location.unit_work.project_id == usage.delivery.project_id
