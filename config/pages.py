"""What every app's pages share: the layout's breadcrumbs, the answer after a POST, a
service's refusal shown on its form."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
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


def see_other(to, *args, **kwargs) -> HttpResponseRedirect:
    """After a successful POST: 303, so reloading the page does not send it again. ``to`` is
    a URL or a URL name with its arguments, as for ``redirect``."""
    return HttpResponseRedirect(resolve_url(to, *args, **kwargs), status=303)


def service_errors(form, exc: ValidationError, field: str | None = None) -> None:
    """Put a service's refusal next to the fields it names (or next to ``field`` when it
    names none, e.g. a file the object store refused); names the form lacks go above it."""
    if not hasattr(exc, "error_dict"):
        form.add_error(field, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)
