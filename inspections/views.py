"""Pages of acceptance records (GB 50300): a unit work's tree with what blocks each node, a
new record at a location, and a record's page with its self-check, photos, rounds, sign-offs
and actions. Each view asks the access helper first and calls the API's own services and
selectors; the services' refusals are shown next to the form that caused them."""

from __future__ import annotations

from collections import defaultdict

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from config.pages import crumbs, see_other, service_errors
from inspections import access, selectors, services
from inspections.forms import (
    RecordCreateForm,
    ReturnForm,
    SelfCheckForm,
    SignForm,
)
from inspections.models import AcceptanceRecord
from ledger.proofs import RecordChecks
from projects import selectors as project_selectors
from projects.access import can_write_project, unit_work_for_user
from projects.http import client_address
from projects.models import Location

Level = AcceptanceRecord.Level

# The level a new record most likely has under a parent of each level (only a default: the
# service checks what may go where).
NEXT_LEVEL = {
    Level.UNIT: Level.DIVISION,
    Level.DIVISION: Level.SUB_ITEM,
    Level.SUB_DIVISION: Level.SUB_ITEM,
    Level.SUB_ITEM: Level.INSPECTION_LOT,
}


def _tree_crumb(unit_work, current=False):
    url = (
        None if current else reverse("record-tree-page", args=[unit_work.project_id, unit_work.pk])
    )
    return (_("%(unit_work)s: acceptance records") % {"unit_work": unit_work.name}, url)


@login_required
def record_tree_page(request, project_id: int, unit_work_id: int):
    """The unit work's GB 50300 tree: each record's state and what keeps it from being
    accepted (records under it still open, sign-offs missing, not yet submitted)."""
    unit_work = unit_work_for_user(request.user, project_id, unit_work_id)
    project = unit_work.project
    return render(
        request,
        "inspections/record_tree.html",
        {
            "project": project,
            "unit_work": unit_work,
            "nodes": selectors.record_tree(user=request.user, unit_work=unit_work),
            "may_write": can_write_project(request.user, project),
            "nav_active": "projects",
            "breadcrumbs": crumbs(project, _tree_crumb(unit_work, current=True)),
        },
    )


@login_required
def record_create_page(request, project_id: int, unit_work_id: int):
    """A new record of the unit work (an inspection lot by default) at one of its locations,
    under a record of its tree, through ``record_create`` as the API does."""
    unit_work = unit_work_for_user(request.user, project_id, unit_work_id, write=True)
    project = unit_work.project
    nodes = selectors.record_tree(user=request.user, unit_work=unit_work)
    # Anything not yet accepted may be chosen; the service says what may go under what.
    parents = [(node.record, node.depth) for node in nodes if not node.record.is_accepted]
    form_kwargs = {
        "parents": parents,
        "locations": project_selectors.locations_in_tree_order(unit_work=unit_work),
    }
    if request.method == "POST":
        form = RecordCreateForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.record_create(
                    project=project,
                    unit_work=unit_work,
                    level=data["level"],
                    parent=data["parent"],
                    division_kind=data["division_kind"],
                    title=data["title"],
                    date=data["date"],
                    locations=[data["location"]] if data["location"] else [],
                    actor=request.user,
                )
            except ValidationError as exc:
                service_errors(form, exc)
            else:
                messages.success(request, _("The record was created. Fill in the self-check."))
                return see_other(reverse("record-page", args=[project.pk, record.pk]))
    else:
        initial = {}
        parent = next((r for r, _depth in parents if str(r.pk) == request.GET.get("parent")), None)
        if parent is not None:
            initial = {
                "parent": parent.pk,
                "level": NEXT_LEVEL.get(parent.level, Level.INSPECTION_LOT),
            }
        form = RecordCreateForm(initial=initial, **form_kwargs)
    return render(
        request,
        "inspections/record_create.html",
        {
            "project": project,
            "unit_work": unit_work,
            "form": form,
            "nav_active": "projects",
            "breadcrumbs": crumbs(project, _tree_crumb(unit_work), (_("New record"), None)),
        },
        status=400 if request.method == "POST" else 200,
    )


class ActionForm(django_forms.Form):
    """An action without fields (submit, accept): it carries the service's refusal."""


ACTION_FORMS = {
    "update": SelfCheckForm,
    "submit": ActionForm,
    "return": ReturnForm,
    "sign": SignForm,
    "accept": ActionForm,
}


@login_required
def record_page(request, project_id: int, record_id: int):
    """The record: its content and self-check, photos, every round with its reasons and
    sign-offs, and the actions the user may take now. A POST names its ``action``."""
    if request.method != "POST":
        record = access.record_for_user(request.user, project_id, record_id)
        return _record_render(request, record)
    action = request.POST.get("action")
    if action not in ACTION_FORMS:
        raise BadRequest(_("Unknown action."))
    # Signers may be read-only on the project (the owner's lead, for instance): seeing is
    # enough to ask, and the service decides whether they are a person who must sign. Every
    # other action changes the record and needs write access, as in the API.
    record = access.record_for_user(request.user, project_id, record_id, write=action != "sign")
    form = _action_form(action, request, record)
    if form.is_valid():
        try:
            done = _record_action(action, request, record, form.cleaned_data)
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(request, done)
            url = reverse("record-page", args=[record.project_id, record.pk])
            return see_other(url + ("#self-check" if action == "update" else "#rounds"))
    return _record_render(request, record, failed={action: form}, status=400)


def _action_form(action, request, record):
    if action == "sign":
        capacities = services.signable_capacities(record, request.user)
        return SignForm(request.POST, capacities=capacities)
    if action == "update":
        return SelfCheckForm(request.POST, locations=_record_locations(record))
    return ACTION_FORMS[action](request.POST)


def _record_locations(record):
    """The locations a record may be at: those of its unit work."""
    if record.unit_work_id is None:
        return Location.objects.none()
    return project_selectors.location_list(unit_work=record.unit_work)


def _record_action(action, request, record, data) -> str:
    """Call the action's service; the success message."""
    user = request.user
    if action == "update":
        services.record_update(record=record, actor=user, **data)
        return _("The self-check was saved.")
    if action == "submit":
        services.record_submit(record=record, actor=user)
        return _("The record was submitted for sign-off.")
    if action == "return":
        services.record_return(record=record, reasons=data["reasons"], actor=user)
        return _("The record was returned with your reasons.")
    if action == "sign":
        services.record_sign(
            record=record,
            user=user,
            password=data["password"],
            capacity=data["capacity"] or None,
            ip_address=client_address(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            request=request,
        )
        return _("Your sign-off was recorded.")
    services.record_accept(record=record, actor=user)
    return _("The record was accepted.")


def _record_render(request, record, *, failed=None, status=200):
    failed = failed or {}
    user = request.user
    project = record.project
    record = selectors.record_history(user=user, record=record)
    record.project = project
    may_write = can_write_project(user, project)
    capacities = services.signable_capacities(record, user)
    sign_offs_by_round = defaultdict(list)
    for sign_off in record.sign_offs.all():
        sign_offs_by_round[sign_off.round].append(sign_off)
    rounds = [(r, sign_offs_by_round[r.number]) for r in reversed(record.round_history)]
    returned = next((r for r in record.round_history[::-1] if r.reasons), None)
    submitted = record.state == AcceptanceRecord.State.SUBMITTED
    forms = {
        "update": failed.get("update")
        or SelfCheckForm(
            initial={
                "title": record.title,
                "date": record.date,
                "result": record.result,
                "remarks": record.remarks,
                "locations": [location.pk for location in record.locations.all()],
            },
            locations=_record_locations(record),
        ),
        "submit": failed.get("submit") or ActionForm(),
        "return": failed.get("return") or ReturnForm(),
        "sign": failed.get("sign") or SignForm(capacities=capacities),
        "accept": failed.get("accept") or ActionForm(),
    }
    photos = list(selectors.record_photo_list(user=user, record=record))
    checks = RecordChecks([record, *record.round_history, *record.sign_offs.all(), *photos])
    unit_work = record.unit_work
    trail = crumbs(project, *([_tree_crumb(unit_work)] if unit_work else []), (record.title, None))
    return render(
        request,
        "inspections/record.html",
        {
            "project": project,
            "record": record,
            "unit_work": unit_work,
            "locations": record.locations.all(),
            "rounds": rounds,
            "returned": returned if record.state == AcceptanceRecord.State.RETURNED else None,
            "photos": photos,
            "checks": checks,
            "may_write": may_write,
            "may_edit": may_write and record.is_editable,
            "may_submit": may_write and record.is_editable,
            "may_decide": may_write and submitted,
            "may_sign": bool(capacities) or "sign" in failed,
            "may_upload": may_write and record.takes_photos,
            "content_sha256": services.record_content_sha256(record) if capacities else "",
            "blockers": [" ".join(b.messages) for b in services.accept_blockers(record)]
            if not record.is_accepted
            else [],
            "forms": forms,
            "failed": failed,
            "nav_active": "projects",
            "breadcrumbs": trail,
        },
        status=status,
    )


@login_required
def record_photos_page(request, project_id: int, record_id: int):
    """The photos are part of the record's page now; old links land on its photos."""
    record = access.record_for_user(request.user, project_id, record_id)
    return HttpResponseRedirect(
        reverse("record-page", args=[record.project_id, record.pk]) + "#photos"
    )
