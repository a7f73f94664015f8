"""Each file a batch named before versions were kept becomes its version 1, ledgered.

The batch's own columns stay as they were (their values are in the batch's ledger hash).
The version's time is that of the batch's latest ledger entry, the last moment the file can
have been set; who set it is not known, so ``recorded_by`` stays empty. The ledger entries
are appended here so that ``verify_archive`` finds every row ledgered; the record hash of a
historical model is its columns, exactly as for the real model.
"""

from django.db import migrations

KINDS = ("certificate_of_conformity", "type_test_report")


def carry_batch_files_into_versions(apps, schema_editor):
    from ledger.services import ledger_append

    Batch = apps.get_model("materials", "Batch")
    BatchFile = apps.get_model("materials", "BatchFile")
    LedgerEntry = apps.get_model("ledger", "LedgerEntry")
    batches = Batch.objects.filter(
        certificate_of_conformity__isnull=False
    ) | Batch.objects.filter(type_test_report__isnull=False)
    for batch in batches.order_by("pk").iterator(chunk_size=500):
        last_written = (
            LedgerEntry.objects.filter(record_type="materials.batch", record_id=str(batch.pk))
            .order_by("-index")
            .values_list("recorded_at", flat=True)
            .first()
        )
        for kind in KINDS:
            stored_id = getattr(batch, f"{kind}_id")
            if stored_id is None or BatchFile.objects.filter(batch=batch, kind=kind).exists():
                continue
            version = BatchFile.objects.create(
                batch=batch,
                kind=kind,
                version=1,
                stored_object_id=stored_id,
                reason="",
                recorded_by=None,
                recorded_at=last_written or batch.created_at,
            )
            ledger_append(record=version, action="create", actor=None)


class Migration(migrations.Migration):
    dependencies = [
        ("materials", "0003_batch_file_versions"),
        ("ledger", "0005_entry_project"),  # ledger_append writes the entry's project
    ]

    operations = [
        migrations.RunPython(carry_batch_files_into_versions, migrations.RunPython.noop),
    ]
