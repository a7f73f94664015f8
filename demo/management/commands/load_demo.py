from django.core.management.base import BaseCommand

from demo.loader import demo_project_load
from demo.logins import demo_logins_lines
from projects.demo import DEMO_PROJECT_NAME


class Command(BaseCommand):
    help = (
        "Create a demo project (杭州市滨江区某住宅小区3号楼) with its five parties, leads,"
        " signed letters and pledges, locations, acceptance records and one login per role."
        " Does nothing but print the logins if it exists (nothing at all with -v 0)."
    )

    def handle(self, *args, **options):
        project = demo_project_load()
        if options["verbosity"] == 0:
            return
        if project is None:
            self.stdout.write(f"The demo project {DEMO_PROJECT_NAME} already exists.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Created the demo project {DEMO_PROJECT_NAME}."))
        self.stdout.write("")
        for line in demo_logins_lines():
            self.stdout.write(line)
