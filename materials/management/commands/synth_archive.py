from django.core.management.base import BaseCommand, CommandError

from materials.synth import Synthesizer


class Command(BaseCommand):
    help = (
        "Build a synthetic archive for benchmarks: projects, material batches, deliveries and"
        " usages, written with bulk_create in committed chunks (safe to interrupt). The rows"
        " are marked synthetic and have NO ledger entries, so verify_archive reports them;"
        " never run this on a real archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=200)
        parser.add_argument("--batches", type=int, default=5_000)
        parser.add_argument("--deliveries", type=int, default=20_000)
        parser.add_argument("--usages", type=int, default=100_000)
        parser.add_argument("--chunk", type=int, default=5_000, help="rows per transaction")
        parser.add_argument("--seed", type=int, default=4)

    def handle(self, *args, **options):
        sizes = {k: options[k] for k in ("projects", "batches", "deliveries", "usages")}
        if min(sizes.values()) < 1 or options["chunk"] < 1:
            raise CommandError("Every size and the chunk must be at least 1.")
        self.stdout.write(
            "Synthetic data: bulk-written WITHOUT ledger entries and marked synthetic;"
            " verify_archive will report it. Ctrl+C keeps the chunks already committed."
        )

        def progress(label, done, total, rate):
            self.stdout.write(f"  {label}: {done:,}/{total:,} ({rate:,.0f} rows/s)")

        synthesizer = Synthesizer(chunk=options["chunk"], seed=options["seed"], progress=progress)
        try:
            made = synthesizer.run(**sizes)
        except KeyboardInterrupt:
            raise CommandError("Interrupted; the chunks already committed stay.") from None
        self.stdout.write(
            self.style.SUCCESS(
                "Created {projects:,} projects, {batches:,} batches, {deliveries:,} deliveries"
                " and {usages:,} usages (batch numbers {run_tag}-…).".format(**made)
            )
        )
