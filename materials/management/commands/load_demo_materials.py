from django.core.management.base import BaseCommand

from materials.demo import demo_materials_load


class Command(BaseCommand):
    help = (
        "Add the demo materials to the demo project (run load_demo first): cable, insulation"
        " and cement batches, deliveries, witness samples (one failed), usages and a recall"
        " notice. Does nothing if they exist."
    )

    def handle(self, *args, **options):
        project = demo_materials_load()
        if project is None:
            self.stdout.write("The demo materials already exist, or there is no demo project.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Added the demo materials to {project}."))
