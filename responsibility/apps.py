from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponsibilityConfig(AppConfig):
    name = "responsibility"
    verbose_name = _("Responsibility")

    def ready(self) -> None:
        from projects.models import Project
        from projects.services import register_stage_entered, register_stage_gate
        from responsibility import checks  # noqa: F401 - registers the system checks
        from responsibility.deadlines import overdue_lead_change_gaps
        from responsibility.plaques import plaques_freeze_on_acceptance
        from responsibility.services import responsibility_gaps

        # 建质〔2014〕124号: no supervision, permit or filing without the signed documents.
        for stage in (Project.Stage.UNDER_SUPERVISION, "permit_number", Project.Stage.FILED):
            register_stage_gate(stage, responsibility_gaps)
        register_stage_gate(Project.Stage.FILED, overdue_lead_change_gaps)
        register_stage_entered(Project.Stage.COMPLETION_ACCEPTED, plaques_freeze_on_acceptance)
