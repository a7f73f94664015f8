"""What every app's pages share: the layout's breadcrumbs."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop


def crumbs(project, *rest) -> list[tuple[str, str | None]]:
    """Breadcrumbs from the projects list to a record: ``crumbs(project, (label, url), …)``.
    The last one is the current page (its url None); without ``rest`` it is the project."""
    trail = [(_("Projects"), reverse("project-list-page"))]
    trail.append((project.name, reverse("project-page", args=[project.pk]) if rest else None))
    trail.extend(rest)
    return trail


# Django's forms end each label with gettext(":"); in Chinese that is the full-width colon.
LABEL_SUFFIX = gettext_noop(":")
