"""Pages: setting up a project — the project, its unit works and locations, its parties, their
people and first leads, and the gates it must pass. Each view asks the access helper the API
asks (projects/api.py) and writes through the same service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from config.pages import crumbs, see_other, service_errors
from projects import access, selectors, services
from projects.models import MANDATORY_ROLES, Location, Organization, Project, Role
from projects.setup_forms import (
    LeadOpenForm,
    LocationForm,
    LocationRenameForm,
    PartyForm,
    PermitForm,
    PersonForm,
    ProjectCreateForm,
    UnitWorkForm,
)
from projects.validators import validate_credit_code, validate_id_number


def _setup_crumb(project: Project):
    return (_("Set-up"), reverse("project-setup-page", args=[project.pk]))


def _page(request, template: str, context: dict, *, status: int = 200):
    return render(request, template, {"nav_active": "projects", **context}, status=status)


# --- Gaps and gates (also for the project page: see setup_gaps_context) ---

GATES = (
    (Project.Stage.UNDER_SUPERVISION, gettext_lazy("Enter quality supervision")),
    (services.PERMIT_GATE, gettext_lazy("Record the construction permit number")),
    (Project.Stage.FILED, gettext_lazy("File the completion")),
)


def _gate_applies(project: Project, gate: str) -> bool:
    if gate == services.PERMIT_GATE:
        return project.stage != Project.Stage.REGISTERED and not project.permit_number
    return project.next_stage == gate


def setup_gaps_context(request, project: Project, *, refused: dict | None = None) -> dict:
    """What the partial projects/partials/setup_gaps.html shows: what the project still
    lacks (each role's missing party, lead or signed letter and pledge, in the words of the
    gate checks every app registers) and the gates open now, each with why it is refused."""
    gates = []
    missing: list[str] = []
    for gate, label in GATES:
        if not _gate_applies(project, gate):
            continue
        gaps = services.project_stage_gaps(project, gate)
        missing.extend(gap for gap in gaps if gap not in missing)
        gates.append(
            {
                "key": gate,
                "label": label,
                "gaps": gaps,
                "refused": (refused or {}).get(gate, []),
                "url": reverse("project-gate", args=[project.pk, gate]),
                "is_permit": gate == services.PERMIT_GATE,
            }
        )
    return {
        "gaps_project": project,
        "gaps": missing,
        "gates": gates,
        "gates_may_write": access.can_write_project(request.user, project),
        "gate_permit_form": PermitForm(prefix="permit"),
    }


# --- Project ---


@login_required
def project_create_page(request):
    access.project_create_check(request.user)
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(request, _("Project registered. Now add its unit works and parties."))
            return see_other("project-setup-page", project_id=project.pk)
    return _page(
        request,
        "projects/setup/project_create.html",
        {"form": form, "breadcrumbs": [(_("Projects"), reverse("project-list-page"))]},
        status=400 if form.errors else 200,
    )


@login_required
def project_setup_page(request, project_id: int, *, refused: dict | None = None, status=200):
    project = access.project_for_user(request.user, project_id)
    order = list(Role.values)  # the five responsible roles first
    participations = sorted(
        selectors.participation_list(project=project), key=lambda p: (order.index(p.role), p.pk)
    )
    leads = {t.role: t for t in selectors.open_lead_tenures(project=project)}
    parties = [
        {"participation": p, "lead": leads.get(p.role), "mandatory": p.role in MANDATORY_ROLES}
        for p in participations
    ]
    present = {p.role for p in participations}
    missing_roles = [role for role in MANDATORY_ROLES if role.value not in present]
    return _page(
        request,
        "projects/setup/project_setup.html",
        {
            "project": project,
            "may_write": access.can_write_project(request.user, project),
            "unit_works": selectors.unit_work_list(project=project),
            "parties": parties,
            "missing_roles": missing_roles,
            "unled_roles": [p for p in participations if p.role not in leads],
            **setup_gaps_context(request, project, refused=refused),
            "breadcrumbs": crumbs(project, (_("Set-up"), None)),
        },
        status=status,
    )


@login_required
@require_POST
def project_gate(request, project_id: int, gate: str):
    """Pass a gate: enter the next stage, or record the permit number. The service refuses
    while something is missing, and the page says what."""
    project = access.project_for_user(request.user, project_id, write=True)
    if gate not in dict(GATES):
        raise Http404
    try:
        if gate == services.PERMIT_GATE:
            form = PermitForm(request.POST, prefix="permit")
            if not form.is_valid():
                raise ValidationError(form.errors["permit_number"])
            services.project_update(
                project=project,
                permit_number=form.cleaned_data["permit_number"],
                actor=request.user,
            )
        else:
            services.project_stage_advance(project=project, to_stage=gate, actor=request.user)
    except ValidationError as error:
        return project_setup_page(request, project_id, refused={gate: error.messages}, status=400)
    messages.success(request, _("Done: %(gate)s.") % {"gate": dict(GATES)[gate]})
    return see_other("project-setup-page", project_id=project.pk)


# --- Unit works and locations ---


@login_required
def unit_work_create_page(request, project_id: int):
    project = access.project_for_user(request.user, project_id, write=True)
    form = UnitWorkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit_work = services.unit_work_create(
                project=project, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(request, _("Unit work added. Now its locations."))
            return see_other("location-tree-page", project_id=project.pk, unit_work_id=unit_work.pk)
    return _page(
        request,
        "projects/setup/unit_work_create.html",
        {
            "project": project,
            "form": form,
            "breadcrumbs": crumbs(project, _setup_crumb(project), (_("New unit work"), None)),
        },
        status=400 if form.errors else 200,
    )


@login_required
def location_tree_page(request, project_id: int, unit_work_id: int):
    """The unit work's locations as a tree; add one, or rename one that no record names."""
    write = request.method == "POST"
    unit_work = access.unit_work_for_user(request.user, project_id, unit_work_id, write=write)
    project = unit_work.project
    locations = selectors.location_list(unit_work=unit_work)
    form = LocationForm(request.POST or None, locations=locations, prefix="new")
    rename_form, renaming = None, None
    if write and "rename" in request.POST:
        renaming = locations.filter(pk=request.POST.get("rename")).first()
        if renaming is None:
            raise Http404
        rename_form = LocationRenameForm(request.POST, prefix=f"rename-{renaming.pk}")
        if rename_form.is_valid():
            try:
                services.location_rename(
                    location=renaming, name=rename_form.cleaned_data["name"], actor=request.user
                )
            except ValidationError as error:
                service_errors(rename_form, error)
            else:
                messages.success(request, _("Location renamed."))
                return see_other(request.path)
    elif write and form.is_valid():
        try:
            services.location_create(unit_work=unit_work, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(request, _("Location added."))
            return see_other(request.path)
    elif not write:
        form = LocationForm(locations=locations, prefix="new")
    tree = selectors.location_tree(unit_work=unit_work)
    _label_kinds(tree)
    in_use = _locations_in_use(unit_work)
    return _page(
        request,
        "projects/setup/location_tree.html",
        {
            "project": project,
            "unit_work": unit_work,
            "tree": tree,
            "in_use": in_use,
            "form": form,
            "renaming": renaming,
            "rename_form": rename_form,
            "may_write": access.can_write_project(request.user, project),
            "breadcrumbs": crumbs(project, _setup_crumb(project), (unit_work.name, None)),
        },
        status=400 if (form.errors or (rename_form and rename_form.errors)) else 200,
    )


def _label_kinds(nodes: list[dict]) -> None:
    for node in nodes:
        node["kind_label"] = Location.Kind(node["kind"]).label
        _label_kinds(node["children"])


def _locations_in_use(unit_work) -> set[int]:
    """The ids of the unit work's locations that records name (one query per kind of record)."""
    used: set[int] = set()
    for relation in Location._meta.related_objects:
        if relation.related_model is Location:
            continue
        used.update(
            relation.related_model._default_manager.filter(
                **{f"{relation.field.name}__unit_work": unit_work}
            )
            .order_by()
            .values_list(relation.field.name, flat=True)
            .distinct()
        )
    return used


# --- Parties and people ---


@login_required
def party_create_page(request, project_id: int):
    """Give an organization a role on the project: found by its credit code, or registered."""
    project = access.project_for_user(request.user, project_id, write=True)
    form = PartyForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                organization = Organization.objects.filter(credit_code=data["credit_code"]).first()
                if organization is None:
                    if not data["name"].strip():
                        raise ValidationError(
                            {
                                "name": _(
                                    "No organization with this credit code is registered yet:"
                                    " give its name to register it."
                                )
                            }
                        )
                    access.organization_create_check(request.user)
                    organization = services.organization_create(
                        name=data["name"], credit_code=data["credit_code"], actor=request.user
                    )
                services.participation_create(
                    project=project,
                    organization=organization,
                    role=data["role"],
                    actor=request.user,
                )
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(organization)s takes part as %(role)s.")
                % {"organization": organization.name, "role": Role(data["role"]).label},
            )
            return see_other("project-setup-page", project_id=project.pk)
    return _page(
        request,
        "projects/setup/party_create.html",
        {
            "project": project,
            "form": form,
            "breadcrumbs": crumbs(project, _setup_crumb(project), (_("Add a party"), None)),
        },
        status=400 if form.errors else 200,
    )


@login_required
def person_create_page(request, project_id: int):
    """Register a person of one of the project's parties, and make them a role's first lead."""
    project = access.project_for_user(request.user, project_id, write=True)
    access.person_create_check(request.user)
    participations = list(selectors.participation_list(project=project))
    led = set(project.lead_tenures.values_list("role", flat=True))
    lead_roles = [
        (p.role, f"{p.get_role_display()} — {p.organization.name}")
        for p in participations
        if p.role not in led
    ]
    form = PersonForm(
        request.POST or None,
        organizations=Organization.objects.filter(participations__project=project).distinct(),
        lead_roles=lead_roles,
        may_name_representative=request.user.is_staff,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lead_role = data.pop("lead_role")
        lead_start = data.pop("lead_start")
        representative = data.pop("legal_representative", False)
        organization = data["organization"]
        if lead_role and organization is None:
            organization = next(p.organization for p in participations if p.role == lead_role)
            data["organization"] = organization
        try:
            with transaction.atomic():
                person = services.person_create(actor=request.user, **data)
                if representative:
                    services.organization_update(
                        organization=access.organization_for_user(
                            request.user, organization.pk, write=True
                        ),
                        legal_representative=person,
                        actor=request.user,
                    )
                if lead_role:
                    services.lead_tenure_open(
                        project=project,
                        role=lead_role,
                        person=person,
                        start_date=lead_start,
                        actor=request.user,
                    )
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s registered (ID %(masked)s).")
                % {"name": person.name, "masked": person.id_number_masked},
            )
            return see_other("project-setup-page", project_id=project.pk)
    return _page(
        request,
        "projects/setup/person_create.html",
        {
            "project": project,
            "form": form,
            "breadcrumbs": crumbs(project, _setup_crumb(project), (_("Add a person"), None)),
        },
        status=400 if form.errors else 200,
    )


@login_required
def lead_open_page(request, project_id: int):
    """Name the first lead of a role from the people already registered (staff of the
    project's parties, or people the user registered)."""
    project = access.project_for_user(request.user, project_id, write=True)
    led = set(project.lead_tenures.values_list("role", flat=True))
    roles = [
        (p.role, f"{p.get_role_display()} — {p.organization.name}")
        for p in selectors.participation_list(project=project)
        if p.role not in led
    ]
    form = LeadOpenForm(
        request.POST or None,
        roles=roles,
        people=selectors.person_list(user=request.user)
        .filter(organization__participations__project=project)
        .distinct(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            tenure = services.lead_tenure_open(
                project=project, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s leads as %(role)s from %(date)s.")
                % {
                    "name": tenure.person.name,
                    "role": tenure.get_role_display(),
                    "date": tenure.start_date,
                },
            )
            return see_other("project-setup-page", project_id=project.pk)
    return _page(
        request,
        "projects/setup/lead_open.html",
        {
            "project": project,
            "form": form,
            "roles": roles,
            "breadcrumbs": crumbs(project, _setup_crumb(project), (_("Name a lead"), None)),
        },
        status=400 if form.errors else 200,
    )


# --- Checks as typed (htmx) ---


def _check(request, template: str, value: str, validate):
    result = {"ok": False, "message": "", "typed": bool(value.strip())}
    if value.strip():
        try:
            validate(value)
            result["ok"] = True
        except ValidationError as error:
            result["message"] = " ".join(error.messages)
    return render(request, template, result)


@login_required
@require_GET
def credit_code_check(request):
    """A credit code as typed: what is wrong with it, or which organization it names."""
    value = request.GET.get("credit_code", "")
    result = {"ok": False, "message": "", "typed": bool(value.strip()), "organization": None}
    if value.strip():
        try:
            code = validate_credit_code(value)
        except ValidationError as error:
            result["message"] = " ".join(error.messages)
        else:
            result["ok"] = True
            result["organization"] = (
                access.organizations_visible_to(request.user).filter(credit_code=code).first()
            )
    return render(request, "projects/setup/partials/credit_code_check.html", result)


@login_required
@require_POST
def id_number_check(request):
    """An ID number as typed: what is wrong with it (never echoed back in full). Posted,
    so that the number stays out of URLs and access logs."""
    value = request.POST.get("id_number", "")
    return _check(
        request, "projects/setup/partials/id_number_check.html", value, validate_id_number
    )
