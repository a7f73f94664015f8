"""Pages: a project's leads — each role's tenures as a timeline, the lead in office with their
letter and pledge, a change of lead and the deadline it starts.

Here rather than in projects/: the lead change itself is the projects service the API calls
(``lead_tenure_replace``, as ``LeadTenureReplaceApi``), but what follows it — the new lead's
letter and pledge and their deadline — belongs to this layer.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from config.pages import crumbs, see_other, service_errors
from projects import access as project_access
from projects import selectors as project_selectors
from projects import services as project_services
from projects.models import Person, Project, Role
from responsibility import access, services
from responsibility.deadlines import lead_changes
from responsibility.models import DocumentKind, ResponsibilityDocument

KINDS = (DocumentKind.LETTER, DocumentKind.PLEDGE)


def _deadline(change) -> dict:
    today = timezone.localdate()
    return {
        "due": change.due,
        "complete": change.complete,
        "overdue": change.overdue,
        "days_left": (change.due - today).days,
    }


def lead_deadlines_context(request, project: Project) -> dict:
    """What responsibility/partials/lead_deadlines.html shows: each new lead whose letter
    and pledge are not all signed yet, with the day they are due and whether that passed."""
    changes = lead_changes(project_access.projects_visible_to(request.user).filter(pk=project.pk))
    return {
        "deadlines_project": project,
        "lead_deadlines": [
            {"tenure": change.tenure, **_deadline(change)}
            for change in changes
            if not change.complete
        ],
    }


@login_required
def lead_timeline_page(request, project_id: int):
    project = project_access.project_for_user(request.user, project_id)
    tenures = list(project_selectors.lead_tenure_list(project=project))
    participations = list(project_selectors.participation_list(project=project))
    open_ids = [t.pk for t in tenures if t.is_open]
    documents: dict[tuple[int, str], ResponsibilityDocument] = {}
    for document in ResponsibilityDocument.objects.filter(lead_tenure__in=open_ids).exclude(
        status=ResponsibilityDocument.Status.SUPERSEDED
    ):
        documents[(document.lead_tenure_id, document.kind)] = document
    deadlines = {
        change.tenure.pk: _deadline(change)
        for change in lead_changes(Project.objects.filter(pk=project.pk))
    }
    roles = []
    order = list(Role.values)  # the five responsible roles first
    for participation in sorted(participations, key=lambda p: (order.index(p.role), p.pk)):
        history = [t for t in tenures if t.participation_id == participation.pk]
        current = next((t for t in history if t.is_open), None)
        held = (
            [(DocumentKind(kind).label, documents.get((current.pk, kind))) for kind in KINDS]
            if current
            else []
        )
        roles.append(
            {
                "participation": participation,
                "history": history,
                "current": current,
                "documents": held,
                "unprepared": any(document is None for _label, document in held),
                "deadline": deadlines.get(current.pk) if current else None,
            }
        )
    may_write = project_access.can_write_project(request.user, project)
    try:
        access.document_project_for_user(request.user, project.pk, write=True)
        may_prepare = True
    except PermissionDenied:
        may_prepare = False
    return render(
        request,
        "responsibility/leads/timeline.html",
        {
            "project": project,
            "roles": roles,
            "may_write": may_write,
            "may_prepare": may_prepare,
            "nav_active": "projects",
            "breadcrumbs": crumbs(
                project,
                (_("Set-up"), reverse("project-setup-page", args=[project.pk])),
                (_("Leads"), None),
            ),
        },
    )


def _documents_prepare(request, project: Project, role: str) -> None:
    """Prepare the role's letter and pledge for its lead in office, saying what stops one."""
    for kind in KINDS:
        try:
            services.document_prepare(project=project, role=role, kind=kind, actor=request.user)
        except ValidationError as error:
            messages.warning(
                request,
                _("The %(kind)s could not be prepared: %(reason)s")
                % {"kind": DocumentKind(kind).label, "reason": " ".join(error.messages)},
            )


@login_required
@require_POST
def lead_documents_prepare(request, project_id: int, role: str):
    """Prepare the letter and pledge of the role's lead in office (as the documents API)."""
    project = access.document_project_for_user(request.user, project_id, write=True)
    if role not in Role.values:
        raise project_access.not_found()
    _documents_prepare(request, project, role)
    messages.success(request, _("The letter and pledge await their signers."))
    return see_other(reverse("lead-timeline-page", args=[project.pk]))


class DateInput(forms.DateInput):
    input_type = "date"


class LeadChangeForm(forms.Form):
    effective_date = forms.DateField(
        label=gettext_lazy("last day of the present lead, first day of the new one"),
        widget=DateInput,
    )
    person = forms.ModelChoiceField(label=gettext_lazy("new lead"), queryset=Person.objects.none())
    reason = forms.CharField(
        label=gettext_lazy("reason for the change"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people


@login_required
def lead_change_page(request, project_id: int, tenure_id: int):
    """Change the lead: the present tenure ends, the successor's starts the same day, and
    their letter and pledge are prepared at once, so the deadline counts from today."""
    tenure = project_access.lead_tenure_for_user(request.user, project_id, tenure_id, write=True)
    project = tenure.project
    people = (
        project_selectors.person_list(user=request.user)
        .filter(organization=tenure.participation.organization)
        .exclude(pk=tenure.person_id)
    )
    form = LeadChangeForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            successor = project_services.lead_tenure_replace(
                tenure=tenure, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s leads as %(role)s from %(date)s.")
                % {
                    "name": successor.person.name,
                    "role": successor.get_role_display(),
                    "date": successor.start_date,
                },
            )
            _documents_prepare(request, project, successor.role)
            return see_other(reverse("lead-timeline-page", args=[project.pk]))
    return render(
        request,
        "responsibility/leads/change.html",
        {
            "project": project,
            "tenure": tenure,
            "form": form,
            "nav_active": "projects",
            "breadcrumbs": crumbs(
                project,
                (_("Leads"), reverse("lead-timeline-page", args=[project.pk])),
                (_("Change the lead"), None),
            ),
        },
        status=400 if form.errors else 200,
    )
