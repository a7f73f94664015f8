"""Records made before ResponsibilityDocument.signer_snapshot existed get the person as they are recorded now: the
closest the archive can come to how they stood then. Each filled record is ledgered."""

from django.db import migrations

from ledger.backfill import ledgered_backfill


def identity_snapshot(person) -> dict:
    # As Person.identity_snapshot() in projects/models.py, frozen here as of this migration.
    organization = person.organization
    return {
        "id": person.pk,
        "name": person.name,
        "id_number_masked": person.id_number_masked,
        "practice_qualification": person.practice_qualification,
        "practice_cert_no": person.practice_cert_no,
        "organization": None
        if organization is None
        else {
            "id": organization.pk,
            "name": organization.name,
            "credit_code": organization.credit_code,
        },
    }


def fill_snapshots(apps, schema_editor):
    model = apps.get_model("responsibility", "ResponsibilityDocument")
    ledgered_backfill(
        model.objects.select_related("signer__organization"),
        field="signer_snapshot",
        value_of=lambda row: identity_snapshot(row.signer),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("responsibility", "0005_document_signer_snapshot"),
        ("ledger", "0005_entry_project"),  # ledger_append writes the entry's project
    ]

    operations = [migrations.RunPython(fill_snapshots, migrations.RunPython.noop)]
