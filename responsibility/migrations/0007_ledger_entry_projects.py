"""Give the ledger entries of responsibility' records, written before entries carried a project, the
project of their record, so the entry list can show them to those who see the project."""

from django.db import migrations

from ledger.backfill import entry_projects_fill

# As the models' ledger_project had it when this migration was written.
PATHS = {
    "responsibility.responsibilitydocument": "project",
    "responsibility.signingevidence": "document__project",
    "responsibility.plaque": "unit_work__project",
    "responsibility.plaqueinstallation": "plaque__unit_work__project",
    "responsibility.plaqueinstallationphoto": "installation__plaque__unit_work__project",
    "responsibility.defectcase": "project",
    "responsibility.defectcasehold": "case__project",
}


def fill(apps, schema_editor):
    entry_projects_fill(apps, PATHS)


class Migration(migrations.Migration):
    dependencies = [
        ("responsibility", "0006_fill_document_signer_snapshots"),
        ("ledger", "0005_entry_project"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
