import time

from django.core.management.base import BaseCommand, CommandError

from storage.reconcile import reconcile


class Command(BaseCommand):
    help = (
        "Compare the object store with the stored-file records: records whose object is gone"
        " (missing evidence: exit status 1) and objects without a record (orphans of failed"
        " uploads: reported). Never deletes anything."
    )

    def handle(self, *args, **options):
        began = time.monotonic()

        def progress(listed: int) -> None:
            seconds = max(time.monotonic() - began, 1e-6)
            self.stderr.write(
                f"\r{listed:,} object versions listed, {listed / seconds:,.0f}/s", ending=""
            )

        result = reconcile(progress=progress)
        self.stderr.write("")
        self.stdout.write(
            f"{result.rows:,} records, {result.listed:,} object versions in the store;"
            f" {len(result.missing):,} records without their object,"
            f" {len(result.orphans):,} objects without a record."
        )
        for bucket, key, version in result.orphans:
            self.stdout.write(f"  orphan (no record; kept): {bucket}/{key} {version or ''}")
        for obj in result.missing:
            self.stdout.write(
                f"  MISSING: {obj.bucket}/{obj.key} version {obj.version_id or '-'}"
                f" ({obj.original_name or obj.sha256[:12]}, record {obj.pk})"
            )
        if not result.clean:
            raise CommandError(f"{len(result.missing)} stored file(s) are missing from the store.")
