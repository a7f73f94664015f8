"""Give the ledger entries of inspections' records, written before entries carried a project, the
project of their record, so the entry list can show them to those who see the project."""

from django.db import migrations

from ledger.backfill import entry_projects_fill

# As the models' ledger_project had it when this migration was written.
PATHS = {
    "inspections.acceptancerecord": "project",
    "inspections.acceptanceround": "record__project",
    "inspections.signoff": "record__project",
    "inspections.photo": "project",
}


def fill(apps, schema_editor):
    entry_projects_fill(apps, PATHS)


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0003_fill_sign_off_person_snapshots"),
        ("ledger", "0005_entry_project"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
