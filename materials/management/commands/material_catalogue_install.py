from django.core.management.base import BaseCommand

from materials.services import material_catalogue_install


class Command(BaseCommand):
    help = (
        "Install the shipped key-material categories (cable, insulation, cement, …) that are"
        " missing. Categories operators have edited are left as they are."
    )

    def handle(self, *args, **options):
        created = material_catalogue_install()
        self.stdout.write(f"Installed {len(created)} material categories.")
