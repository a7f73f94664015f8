from django.conf import settings
from django.core.management.base import BaseCommand

from responsibility.demo import demo_completed_project_load


class Command(BaseCommand):
    help = (
        "Add the completed demo project (after load_demo): its work accepted up to completion"
        " acceptance, its plaque frozen and installed. Does nothing if it is there."
    )

    def handle(self, *args, **options):
        project = demo_completed_project_load()
        if project is None:
            self.stdout.write("The completed demo project exists already, or the demo is missing.")
            return
        plaque = project.unit_works.get().plaque
        url = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/p/{plaque.token}/"
        self.stdout.write(self.style.SUCCESS(f"Added the completed demo project {project.name}."))
        self.stdout.write(f"  its permanent plaque's public page: {url}")
