from django.conf import settings
from django.core.management.base import BaseCommand

from responsibility.demo import demo_defect_case_load


class Command(BaseCommand):
    help = (
        "Open the demo defect case at the demo building's 2nd floor (run load_demo and"
        " load_demo_materials first), so its trace and PDF report can be opened. Does nothing"
        " if the demo project already has a case."
    )

    def handle(self, *args, **options):
        case = demo_defect_case_load()
        if case is None:
            self.stdout.write("The demo defect case already exists, or the demo is not loaded.")
            return
        base = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/v1/projects/{case.project_id}"
        url = f"{base}/defect-cases/{case.pk}/"
        self.stdout.write(
            self.style.SUCCESS(f"Opened the demo defect case {case.number} at {case.location}.")
        )
        self.stdout.write(f"  trace (JSON): {url}trace/")
        self.stdout.write(f"  trace (PDF):  {url}trace.pdf")
