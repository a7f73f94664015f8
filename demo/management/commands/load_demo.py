from django.core.management.base import BaseCommand

from demo.loader import demo_project_load
from projects.demo import DEMO_LOGINS, DEMO_PROJECT_NAME


class Command(BaseCommand):
    help = (
        "Create a demo project (杭州市滨江区某住宅小区3号楼) with its five parties, leads,"
        " signed letters and pledges, locations, acceptance records and one login per role."
        " Does nothing but print the logins if it exists."
    )

    def handle(self, *args, **options):
        project = demo_project_load()
        if project is None:
            self.stdout.write(f"The demo project {DEMO_PROJECT_NAME} already exists.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Created the demo project {DEMO_PROJECT_NAME}."))
        self.stdout.write("")
        width = max(len(username) for username, _, _ in DEMO_LOGINS)
        for username, role, password in DEMO_LOGINS:
            self.stdout.write(f"  {username.ljust(width)}  {password}  {role}")
