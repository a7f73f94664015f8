"""Pages: a unit work's permanent plaque, from the preview before completion to its
installation, with the completion acceptance's five sign-offs.

Each view asks the same access helpers and calls the same services as
``responsibility/api/plaques.py``: ``plaque_for_user`` to read, ``unit_work_for_user`` with
``write`` and ``plaque_freeze`` to freeze, ``plaque_print_file`` for the print file and
``plaque_install_record`` (photos through ``storage.photos.photo_store``) to install.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from config.pages import crumbs, service_errors
from projects.access import can_write_project, unit_work_for_user
from responsibility import access, plaques
from storage.downloads import download_redirect

PHOTO_TYPES = "image/jpeg,image/heic,image/heif,image/png"


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several files from one input (Django's documented pattern); each is checked as a
    file here and as a photo by the service."""

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files if f]


class PlaqueInstallationForm(forms.Form):
    """What the installer reports. The photos come from two inputs, the camera and the
    gallery (one input with both ``capture`` and ``multiple`` opens only the camera on a
    phone); the service wants at least one and checks each through the one photo path."""

    installed_on = forms.DateField(
        label=gettext_lazy("Installation date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    position = forms.CharField(
        label=gettext_lazy("Position"),
        max_length=200,
        help_text=gettext_lazy("Where on the building, e.g. east of the main entrance, 1.5 m up."),
    )
    material = forms.CharField(
        label=pgettext_lazy("what a plaque is made of", "Material"), max_length=100
    )
    installed_by = forms.CharField(label=gettext_lazy("Installed by"), max_length=200)
    camera = forms.FileField(
        label=gettext_lazy("Take a photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_TYPES, "capture": "environment"}),
    )
    photos = MultiplePhotoField(
        label=gettext_lazy("Choose photos"),
        required=False,
        widget=MultiplePhotoInput(attrs={"accept": PHOTO_TYPES}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["installed_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def photo_files(self) -> list:
        camera = self.cleaned_data.get("camera")
        return [*([camera] if camera else []), *self.cleaned_data.get("photos", [])]


def _crumbs(unit_work, current: str) -> list[tuple[str, str | None]]:
    return crumbs(unit_work.project, (current, None))


def record_page_url(project, record) -> str:
    """Where the completion acceptance is signed: the acceptance record's page."""
    return reverse("record-page", args=[project.pk, record.pk])


def _plaque_page(request, unit_work, plaque, *, form=None, error="", status=200):
    project = unit_work.project
    record, sign_offs = plaques.completion_acceptance(user=request.user, project=project)
    may_write = can_write_project(request.user, project)
    context = {
        "project": project,
        "unit_work": unit_work,
        "plaque": plaque,
        "content": plaque.content if plaque else plaques.plaque_content(unit_work),
        "record": record,
        "sign_offs": sign_offs,
        "record_url": record_page_url(project, record) if record else None,
        "may_write": may_write,
        "may_freeze": may_write and plaque is None and project.stage in plaques.ACCEPTED_STAGES,
        "error": error,
        "nav_active": "projects",
        "breadcrumbs": _crumbs(unit_work, _("Plaque of %(unit)s") % {"unit": unit_work.name}),
    }
    if plaque is not None:
        context.update(
            public_url=plaques.plaque_public_url(plaque),
            install_due=plaques.install_due(plaque, project.jurisdiction_code),
            late=plaques.plaque_is_late(plaque, project.jurisdiction_code),
            installations=plaque.installations.prefetch_related("photos__stored_object"),
            form=form or (PlaqueInstallationForm() if may_write else None),
        )
    return render(request, "responsibility/plaques/page.html", context, status=status)


def _plaque_or_none(user, project_id, unit_work_id):
    """The frozen plaque, or None with the unit work when completion is not accepted yet."""
    try:
        plaque = access.plaque_for_user(user, project_id, unit_work_id)
    except ValidationError:
        return unit_work_for_user(user, project_id, unit_work_id), None
    return plaque.unit_work, plaque


@login_required
@require_GET
def plaque_page(request, project_id: int, unit_work_id: int):
    """Before completion: the preview from the same content function the freeze uses.
    After: the frozen content, the print file, the installation and whether it is late."""
    unit_work, plaque = _plaque_or_none(request.user, project_id, unit_work_id)
    return _plaque_page(request, unit_work, plaque)


@login_required
@require_POST
def plaque_freeze_page(request, project_id: int, unit_work_id: int):
    unit_work = unit_work_for_user(request.user, project_id, unit_work_id, write=True)
    try:
        plaques.plaque_freeze(unit_work=unit_work, actor=request.user)
    except ValidationError as exc:
        plaque = _plaque_or_none(request.user, project_id, unit_work_id)[1]
        return _plaque_page(request, unit_work, plaque, error=" ".join(exc.messages), status=400)
    messages.success(request, _("The plaque's content is frozen. Print it and install it."))
    return _back_to_plaque(project_id, unit_work_id)


@login_required
@require_GET
def plaque_pdf_page(request, project_id: int, unit_work_id: int):
    try:
        plaque = access.plaque_for_user(request.user, project_id, unit_work_id)
        print_file = plaques.plaque_print_file(plaque)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("plaque-page", project_id, unit_work_id)
    return download_redirect(print_file, download_name="plaque.pdf")


@login_required
@require_POST
def plaque_installation_page(request, project_id: int, unit_work_id: int):
    try:
        plaque = access.plaque_for_user(request.user, project_id, unit_work_id, write=True)
    except ValidationError as exc:
        unit_work = unit_work_for_user(request.user, project_id, unit_work_id)
        return _plaque_page(request, unit_work, None, error=" ".join(exc.messages), status=400)
    form = PlaqueInstallationForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            plaques.plaque_install_record(
                plaque=plaque,
                installed_on=form.cleaned_data["installed_on"],
                position=form.cleaned_data["position"],
                material=form.cleaned_data["material"],
                installed_by=form.cleaned_data["installed_by"],
                photos=form.photo_files(),
                actor=request.user,
            )
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(request, _("The installation is recorded."))
            return _back_to_plaque(project_id, unit_work_id)
    return _plaque_page(request, plaque.unit_work, plaque, form=form, status=400)


def _back_to_plaque(project_id: int, unit_work_id: int):
    """303 See Other after a successful POST, so reloading the page does not repeat it."""
    response = redirect("plaque-page", project_id, unit_work_id)
    response.status_code = 303
    return response


# --- For my work and the project page (wired by the lead into work/views.py) ---


def plaques_to_install_context(request, project=None) -> dict:
    """Frozen plaques waiting for their installation, for
    ``responsibility/partials/plaques_to_install.html`` on my work."""
    return {"plaques_to_install": plaques.plaques_to_install(user=request.user)}


def plaques_context(request, project) -> dict:
    """The project's unit works with their plaque's state, for
    ``responsibility/partials/plaques.html`` on the project page."""
    return {"plaque_rows": plaques.plaque_overview(project=project)}
