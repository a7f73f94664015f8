"""Give the ledger entries of projects' records, written before entries carried a project, the
project of their record, so the entry list can show them to those who see the project."""

from django.db import migrations

from ledger.backfill import entry_projects_fill

# As the models' ledger_project had it when this migration was written.
PATHS = {
    "projects.project": "pk",
    "projects.unitwork": "project",
    "projects.location": "unit_work__project",
    "projects.participation": "project",
    "projects.leadtenure": "project",
    "projects.membership": "project",
    "projects.projectdocument": "project",
    "projects.auditevent": "project",
}


def fill(apps, schema_editor):
    entry_projects_fill(apps, PATHS)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0006_audit_sign_in_lockout"),
        ("ledger", "0005_entry_project"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
