from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects and parties")

    def ready(self) -> None:
        from projects import (
            checks,  # noqa: F401 - registers the system checks
            signin,  # noqa: F401 - connects the lockout's audit event
        )
