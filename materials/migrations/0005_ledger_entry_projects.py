"""Give the ledger entries of materials' records, written before entries carried a project, the
project of their record, so the entry list can show them to those who see the project."""

from django.db import migrations

from ledger.backfill import entry_projects_fill

# As the models' ledger_project had it when this migration was written.
PATHS = {
    "materials.delivery": "project",
    "materials.deliveryphoto": "delivery__project",
    "materials.sample": "delivery__project",
    "materials.testreport": "sample__delivery__project",
    "materials.usage": "delivery__project",
    "materials.recallaction": "project",
    "materials.recallevidence": "action__project",
    "materials.batch": "recorded_for",
    "materials.batchfile": "batch__recorded_for",
}


def fill(apps, schema_editor):
    entry_projects_fill(apps, PATHS)


class Migration(migrations.Migration):
    dependencies = [
        ("materials", "0004_carry_batch_files_into_versions"),
        ("ledger", "0005_entry_project"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
