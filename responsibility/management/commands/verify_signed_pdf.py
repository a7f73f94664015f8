from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from responsibility.verify import signed_pdf_verify


class Command(BaseCommand):
    help = (
        "Verify a signed letter or pledge PDF: the archive signature, its hash in the ledger"
        " and the signing evidence. Exit status 0 only when all hold."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file} cannot be read: {exc.strerror}") from exc
        result = signed_pdf_verify(data)
        if not result.valid:
            raise CommandError("NOT VALID: " + " ".join(result.problems))
        document = result.document
        self.stdout.write(
            f"VALID: {document.number}, signed by {document.signer_as_recorded['name']}"
            f" at {document.signed_at:%Y-%m-%d %H:%M:%S} UTC (SHA-256 {result.sha256});"
            f" PAdES {result.level}, {result.document_timestamps} document timestamp(s),"
            " checked offline with the material inside the PDF"
        )
