from django.apps import AppConfig


class WorkConfig(AppConfig):
    """The user's desk: "my work" and a project's overview, composed from every app's
    selectors. It sits above every other app (like demo/), so the apps never import it."""

    name = "work"
    verbose_name = "Work"
