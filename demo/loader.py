"""The demo, composed above every app: each app's demo module builds its own records and
calls only downward, and this module puts them in order, as a newcomer's `make run` sees
them. (Before, the projects demo called the responsibility and inspections demos: a circle.)"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from inspections.demo import demo_inspections_load
from projects.demo import DEMO_PASSWORD, demo_load, demo_reveal, demo_supervision_start
from projects.models import Project
from responsibility.demo import demo_draft_to_sign, demo_sign_all


@transaction.atomic
def demo_project_load() -> Project | None:
    """The project under way: parties, leads, locations and logins (projects), every letter
    and pledge signed and a correction waiting for the design lead (responsibility), the
    permit and supervision (projects), then its acceptance records and photos (inspections),
    and one reveal in the regulator's audit log (projects).
    None when it is there already."""
    project = demo_load()
    if project is None:
        return None
    admin = get_user_model().objects.get(username="admin")
    demo_sign_all(project=project, admin=admin, password=DEMO_PASSWORD)
    demo_draft_to_sign(project=project, admin=admin)
    demo_supervision_start(project=project)
    demo_inspections_load(project=project)
    demo_reveal(project=project)
    return project
