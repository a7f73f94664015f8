"""Pages: the audited reveal of a person's full ID or phone number, and the audit log.

The reveal asks what the API's reveal asks (``PersonRevealApi``): ``person_reveal_check``
(regulators, for the people of their jurisdiction's projects), then ``person_reveal`` with
the reason, which writes the audit event (and its ledger entry) before the number is shown.
The number is in that one response, never cached (``Cache-Control: no-store``), never in a
URL or the session. The dialog of projects/partials/reveal_dialog.html posts here too and
shows the answer's fragment.

The audit log reads ``audit_events_visible_to``, as ``AuditEventListApi`` does: regulators
see the events of their jurisdiction's projects and their own, operators all.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from config.pages import service_errors
from ledger.proofs import RecordChecks
from projects import access, services
from projects.models import AuditEvent, Project

FIELDS = (
    ("id_number", gettext_lazy("ID number")),
    ("phone", gettext_lazy("phone number")),
)


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=gettext_lazy("Which number"), choices=FIELDS)
    # The service says what a reason needs (and that it is kept); an empty one is its refusal too.
    reason = forms.CharField(
        label=gettext_lazy("Why you need the full number"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _back_url(request) -> str:
    """Where the reveal page links back to: the page it was opened from, if it is ours."""
    back = request.POST.get("next") or request.GET.get("next") or ""
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return reverse("audit-log-page")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def person_reveal_page(request, person_id: int):
    """GET: the form (which number, why). POST: the number, once, with the audit event that
    recorded it; or the refusal in words (400)."""
    person = access.person_reveal_check(request.user, person_id)
    project = access.reveal_project_for(request.user, person, request.GET.get("project"))
    fragment = request.headers.get("X-Requested-With") == "fetch"
    if request.method == "POST":
        form = RevealForm(request.POST)
    else:
        form = RevealForm(initial={"field": request.GET.get("field", "id_number")})
    value = event = None
    if form.is_bound and form.is_valid():
        try:
            value, event = services.person_reveal(
                person=person,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
                request=request,
                project=project,
            )
        except ValidationError as error:
            service_errors(form, error)
    context = {
        "person": person,
        "form": form,
        "value": value,
        "event": event,
        "field_label": dict(FIELDS).get(form.data.get("field") or form.initial.get("field"), ""),
        "back_url": _back_url(request),
        "nav_active": "oversight",
        "breadcrumbs": [
            (_("Audit log"), reverse("audit-log-page")),
            (_("Show the full number"), None),
        ],
    }
    template = "projects/audit/reveal_answer.html" if fragment else "projects/audit/reveal.html"
    return render(request, template, context, status=400 if form.errors else 200)


# --- The audit log ---

PAGE_SIZE = 50


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    """The log's filters. The choices are what the user's log holds (projects and people
    that appear in it), so a select never lists thousands of projects."""

    project = forms.ModelChoiceField(
        label=gettext_lazy("Project"), queryset=Project.objects.none(), required=False
    )
    action = forms.ChoiceField(label=gettext_lazy("What"), required=False)
    actor = forms.ModelChoiceField(
        label=gettext_lazy("Who"), queryset=get_user_model().objects.none(), required=False
    )
    since = forms.DateField(label=gettext_lazy("On or after"), required=False, widget=DateInput)
    until = forms.DateField(label=gettext_lazy("On or before"), required=False, widget=DateInput)

    def __init__(self, *args, events, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(
            pk__in=events.values("project")
        ).order_by("name", "pk")
        self.fields["actor"].queryset = (
            get_user_model().objects.filter(pk__in=events.values("actor")).order_by("username")
        )
        self.fields["action"].choices = [("", "---------"), *AuditEvent.Action.choices]
        self.fields["actor"].label_from_instance = lambda user: user.get_username()

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date: swap them."))
        return data

    def filter(self, events):
        data = self.cleaned_data
        if data.get("project"):
            events = events.filter(project=data["project"])
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("actor"):
            events = events.filter(actor=data["actor"])
        if data.get("since"):
            events = events.filter(at__date__gte=data["since"])
        if data.get("until"):
            events = events.filter(at__date__lte=data["until"])
        return events


def _page_number(request) -> int | None:
    raw = request.GET.get("page", "1")
    try:
        number = int(raw)
    except ValueError:
        return None
    return number if number >= 1 else None


@login_required
@require_GET
def audit_log_page(request):
    """Who saw or exported what, and why, newest first: the reason of each reveal, never
    the number."""
    visible = access.audit_events_visible_to(request.user)
    form = AuditFilterForm(request.GET or None, events=visible)
    events = visible.select_related("actor", "project").order_by("-at", "-pk")
    error = ""
    if form.is_bound and not form.is_valid():
        events = events.none()
    elif form.is_bound:
        events = form.filter(events)
    paginator = Paginator(events, PAGE_SIZE)
    number = _page_number(request)
    page = None
    if number is None:
        error = _("The page number must be a whole number from 1.")
    else:
        try:
            page = paginator.page(number)
        except (EmptyPage, PageNotAnInteger):
            error = _("There is no page %(number)s: the log has %(pages)s pages.") % {
                "number": number,
                "pages": paginator.num_pages,
            }
    rows = list(page.object_list) if page else []
    status = 400 if (form.errors or error) else 200
    return render(
        request,
        "projects/audit/log.html",
        {
            "form": form,
            "page": page,
            "events": rows,
            "error": error,
            "checks": RecordChecks(rows),
            "nav_active": "oversight",
            "breadcrumbs": [(_("Oversight"), reverse("oversight-page")), (_("Audit log"), None)],
        },
        status=status,
    )
