"""Pages: a project's deliveries, their samples and test reports, and where the material
went. Each view asks the same access helpers and calls the same services and selectors as
materials/api.py; a refusal of the service is shown next to its field, with a 400."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.pages import crumbs, see_other, service_errors
from ledger.proofs import RecordChecks
from materials import access, selectors, services
from materials.forms import (
    DeliveryFilterForm,
    DeliveryForm,
    PhotosForm,
    RejectForm,
    ReportForm,
    SampleForm,
    UsageForm,
)
from materials.models import BatchFile, Delivery
from projects.access import can_write_project, location_for_user, project_for_user
from projects.label_views import scanner_csp
from projects.models import Location

PAGE_SIZE = 50


def _deliveries_crumb(project):
    return (_("Deliveries"), reverse("delivery-list-page", args=[project.pk]))


def _delivery_crumb(delivery):
    label = _("Delivery %(batch)s") % {"batch": delivery.batch.batch_number}
    return (label, reverse("delivery-page", args=[delivery.project_id, delivery.pk]))


def _sent(request) -> tuple:
    """What a form is bound to: the POST's data and files, or nothing on a GET (an empty
    POST still binds, so its missing fields are reported)."""
    if request.method == "POST":
        return (request.POST, request.FILES)
    return (None, None)


def _may_decide(user, project) -> bool:
    try:
        access.delivery_decide_check(user, project)
    except PermissionDenied:
        return False
    return True


# --- Deliveries ---


@require_GET
@login_required
def delivery_list_page(request, project_id: int):
    project = project_for_user(request.user, project_id)
    filters = DeliveryFilterForm(request.GET or None)
    deliveries = selectors.delivery_list(user=request.user, project=project)
    if filters.is_valid():
        deliveries = selectors.delivery_filter(deliveries, **filters.cleaned_data)
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "project": project,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "can_write": can_write_project(request.user, project),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "deliveries":
        return render(request, "materials/_delivery_rows.html", context)
    context |= {
        "nav_active": "projects",
        "breadcrumbs": crumbs(project, (_("Deliveries"), None)),
    }
    return render(request, "materials/delivery_list.html", context)


@login_required
@scanner_csp
def delivery_create_page(request, project_id: int):
    project = project_for_user(request.user, project_id, write=True)
    form = DeliveryForm(
        *_sent(request),
        batches=selectors.batch_choices(user=request.user, project=project),
        manufacturers=selectors.manufacturer_choices(user=request.user, project=project),
        maker_by_code=lambda code: selectors.manufacturer_by_credit_code(
            user=request.user, credit_code=code
        ),
        inspectors=selectors.contractor_staff(user=request.user, project=project),
        initial={"delivered_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            delivery = _delivery_record(request, project, form)
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(request, _("The delivery is recorded."))
            return see_other("delivery-page", project.pk, delivery.pk)
    return render(
        request,
        "materials/delivery_create.html",
        {
            "project": project,
            "form": form,
            "nav_active": "projects",
            "breadcrumbs": crumbs(
                project, _deliveries_crumb(project), (_("Record a delivery"), None)
            ),
        },
        status=400 if form.errors else 200,
    )


def _field_refusal(field: str, call):
    """Run ``call``; a refusal that names no field (a file the object store refused) is
    put next to ``field``."""
    try:
        return call()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({field: exc.messages}) from exc


@transaction.atomic
def _delivery_record(request, project, form):
    """The new batch and its files (if no batch was picked), the delivery, its photos: the
    same services the API calls one request each, here in one transaction, so a refusal of
    any leaves nothing written (a file already put in the object store stays there without
    a row, harmless: a retry finds it)."""
    data = form.cleaned_data
    user = request.user
    batch = data["batch"]
    if batch is None:
        access.batch_create_check(user)
        batch = services.batch_create(
            category=data["category"],
            manufacturer=data["manufacturer"],
            product=data["product"],
            model_spec=data["model_spec"],
            batch_number=data["batch_number"],
            production_date=data["production_date"],
            ccc_certificate_number=data["ccc_certificate_number"],
            recorded_for=access.batch_recorded_for_check(user, project.pk),
            actor=user,
        )
        for kind in BatchFile.Kind.values:
            if data.get(kind):
                access.batch_file_add_check(user, batch)
                _field_refusal(
                    kind,
                    lambda kind=kind: services.batch_file_add(
                        batch=batch, kind=kind, fileobj=data[kind], actor=user
                    ),
                )
    delivery = services.delivery_create(
        project=project,
        batch=batch,
        quantity=data["quantity"],
        unit=data["unit"],
        delivered_on=data["delivered_on"],
        inspected_by=data["inspected_by"],
        actor=user,
    )
    _photos_add(delivery, form, user)
    return delivery


def _photos_add(delivery, form, user) -> int:
    photos = form.photos()
    for field, fileobj in photos:
        _field_refusal(
            field,
            lambda fileobj=fileobj: services.delivery_photo_add(
                delivery=delivery,
                kind=form.cleaned_data["photo_of"],
                fileobj=fileobj,
                actor=user,
            ),
        )
    return len(photos)


@login_required
def delivery_page(request, project_id: int, delivery_id: int):
    """A delivery with its batch and files, photos, samples and reports; those who keep the
    project's records add photos, the site supervisors accept or reject it."""
    write = request.method == "POST"
    delivery = access.delivery_for_user(request.user, project_id, delivery_id, write=write)
    project = delivery.project
    action = request.POST.get("action") if write else None
    photos_form = PhotosForm(*(_sent(request) if action == "photos" else ()), prefix="photos")
    reject_form = RejectForm(request.POST if action == "reject" else None, prefix="reject")
    decision_errors: list[str] = []
    if action == "photos":
        if _photos_post(request, delivery, photos_form):
            return see_other(request.path)
    elif action in ("accept", "reject"):
        access.delivery_decide_check(request.user, project)
        decision_errors = _decide_post(request, delivery, action, reject_form)
        if decision_errors is None:
            return see_other(request.path)
    elif write:
        decision_errors = [_("Choose what to do: add photos, accept or reject.")]
    delivery = selectors.delivery_detail(user=request.user, delivery=delivery)
    batch = delivery.batch
    files = list(selectors.batch_file_list(batch=batch).order_by("kind", "version"))
    photos = list(selectors.delivery_photo_list(user=request.user, delivery=delivery))
    samples = list(selectors.sample_list(user=request.user, delivery=delivery))
    usages = list(
        selectors.usage_list(user=request.user, project=project).filter(delivery=delivery)
    )
    reports = [getattr(sample, "report", None) for sample in samples]
    failed = bool(decision_errors or photos_form.errors or reject_form.errors)
    return render(
        request,
        "materials/delivery.html",
        {
            "project": project,
            "delivery": delivery,
            "left": delivery.quantity - delivery.used_quantity,
            "files": files,
            # Versions are read oldest first: the last of each kind is the current one.
            "current_files": {f.kind: f.pk for f in files}.values(),
            "photos": photos,
            "samples": samples,
            "usages": usages,
            "checks": RecordChecks([delivery, batch, *files, *photos, *samples, *reports, *usages]),
            "can_write": can_write_project(request.user, project),
            "can_decide": _may_decide(request.user, project),
            "undecided": delivery.state in (Delivery.State.PENDING, Delivery.State.SAMPLED),
            "photos_form": photos_form,
            "reject_form": reject_form,
            "decision_errors": decision_errors,
            "nav_active": "projects",
            "breadcrumbs": crumbs(
                project,
                _deliveries_crumb(project),
                (_("Delivery %(batch)s") % {"batch": batch.batch_number}, None),
            ),
        },
        status=400 if failed else 200,
    )


def _photos_post(request, delivery, form) -> bool:
    """Add the photos sent; False (and the form says why) when none was or one is refused."""
    if not form.is_valid():
        return False
    try:
        with transaction.atomic():
            added = _photos_add(delivery, form, request.user)
    except ValidationError as exc:
        service_errors(form, exc)
        return False
    if not added:
        form.add_error(None, _("Take a photo or choose photos to add."))
        return False
    messages.success(request, _("The photos are stored."))
    return True


def _decide_post(request, delivery, action, reject_form) -> list[str] | None:
    """Accept or reject; None when done, else the service's refusal (a rejection's field
    errors go next to its fields)."""
    try:
        if action == "accept":
            services.delivery_accept(delivery=delivery, actor=request.user)
            messages.success(request, _("The delivery is accepted."))
            return None
        if not reject_form.is_valid():
            return []
        services.delivery_reject(delivery=delivery, actor=request.user, **reject_form.cleaned_data)
        messages.success(request, _("The delivery is rejected."))
        return None
    except ValidationError as exc:
        if action == "reject" and hasattr(exc, "error_dict"):
            service_errors(reject_form, exc)
            return []
        return exc.messages


# --- Samples and their reports ---


@login_required
def sample_create_page(request, project_id: int, delivery_id: int):
    delivery = access.delivery_for_user(request.user, project_id, delivery_id, write=True)
    project = delivery.project
    candidates = selectors.witness_candidates(user=request.user, project=project)
    authorized = [
        person.pk
        for person in candidates
        if services.witness_is_authorized(person=person, project=project)
    ]
    form = SampleForm(
        *_sent(request)[:1],
        samplers=selectors.contractor_staff(user=request.user, project=project),
        witnesses=candidates.filter(pk__in=authorized),
        labs=selectors.lab_choices(project=project),
        initial={
            "sampling_location": _("Material yard on site"),
            "sampled_on": timezone.localdate(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            sample = services.sample_create(
                delivery=delivery, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(request, _("The sample is recorded. Attach its test report here."))
            return see_other("sample-page", project.pk, sample.pk)
    delivery = selectors.delivery_detail(user=request.user, delivery=delivery)
    return render(
        request,
        "materials/sample_create.html",
        {
            "project": project,
            "delivery": delivery,
            "form": form,
            "nav_active": "projects",
            "breadcrumbs": crumbs(
                project,
                _deliveries_crumb(project),
                _delivery_crumb(delivery),
                (_("Record a witness sample"), None),
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
def sample_page(request, project_id: int, sample_id: int):
    """A sample and its test report; those who keep the records attach the report once."""
    write = request.method == "POST"
    sample = access.project_sample_for_user(request.user, project_id, sample_id, write=write)
    project = sample.delivery.project
    form = ReportForm(*_sent(request), initial={"tested_on": timezone.localdate()})
    has_report = hasattr(sample, "report")
    if write and has_report:
        form.add_error(None, _("This sample already has a test report."))
    elif write and form.is_valid():
        data = form.cleaned_data
        try:
            report = _field_refusal(
                "file",
                lambda: services.sample_report_add(
                    sample=sample,
                    report_number=data["report_number"],
                    result=data["result"],
                    tested_on=data["tested_on"],
                    fileobj=data["file"],
                    actor=request.user,
                ),
            )
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            if report.result == report.Result.FAIL:
                messages.error(
                    request,
                    _("The sample failed: the delivery is blocked and cannot be accepted."),
                )
            else:
                messages.success(request, _("The test report is attached."))
            return see_other(request.path)
    sample = selectors.sample_list(user=request.user, delivery=sample.delivery).get(pk=sample.pk)
    delivery = selectors.delivery_detail(user=request.user, delivery=sample.delivery)
    report = getattr(sample, "report", None)
    return render(
        request,
        "materials/sample.html",
        {
            "project": project,
            "delivery": delivery,
            "sample": sample,
            "report": report,
            "checks": RecordChecks([sample, report, delivery]),
            "form": form,
            "can_write": can_write_project(request.user, project),
            "nav_active": "projects",
            "breadcrumbs": crumbs(
                project,
                _deliveries_crumb(project),
                _delivery_crumb(delivery),
                (_("Sample %(seal)s") % {"seal": sample.seal_number}, None),
            ),
        },
        status=400 if form.errors else 200,
    )


# --- Usages and locations ---


@require_GET
@login_required
def usage_list_page(request, project_id: int):
    project = project_for_user(request.user, project_id)
    usages = selectors.usage_list(user=request.user, project=project).select_related(
        "delivery__batch__category", "location__unit_work"
    )
    return render(
        request,
        "materials/usage_list.html",
        {
            "project": project,
            "page": Paginator(usages, PAGE_SIZE).get_page(request.GET.get("page")),
            "can_write": can_write_project(request.user, project),
            "nav_active": "projects",
            "breadcrumbs": crumbs(project, (_("Usages"), None)),
        },
    )


@login_required
def usage_create_page(request, project_id: int):
    project = project_for_user(request.user, project_id, write=True)
    deliveries = selectors.usable_deliveries(user=request.user, project=project)
    form = UsageForm(
        *_sent(request)[:1],
        deliveries=deliveries,
        locations=selectors.location_choices(user=request.user, project=project),
        records=selectors.acceptance_record_choices(user=request.user, project=project),
        initial={"delivery": request.GET.get("delivery"), "used_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        location = location_for_user(request.user, project.pk, data["location"])
        try:
            usage = services.usage_create(
                delivery=data["delivery"],
                location=location,
                quantity=data["quantity"],
                used_on=data["used_on"],
                acceptance_record=data["acceptance_record"],
                actor=request.user,
            )
        except ValidationError as exc:
            service_errors(form, exc)
        else:
            messages.success(request, _("The usage is recorded."))
            return see_other("location-page", project.pk, usage.location_id)
    return render(
        request,
        "materials/usage_create.html",
        {
            "project": project,
            "form": form,
            "has_deliveries": deliveries.exists(),
            "nav_active": "projects",
            "breadcrumbs": crumbs(
                project,
                (_("Usages"), reverse("usage-list-page", args=[project.pk])),
                (_("Record a usage"), None),
            ),
        },
        status=400 if form.errors else 200,
    )


@require_GET
@login_required
def location_page(request, project_id: int, location_id: int):
    """What was used at a location, each usage linked to its delivery and acceptance."""
    location = location_for_user(request.user, project_id, location_id)
    project = location.unit_work.project
    usages = list(selectors.location_usage_list(user=request.user, location=location))
    return render(
        request,
        "materials/location.html",
        {
            "project": project,
            "location": location,
            "children": Location.objects.filter(parent=location).order_by("pk"),
            "usages": usages,
            "checks": RecordChecks([location, *usages]),
            "can_write": can_write_project(request.user, project),
            "nav_active": "projects",
            "breadcrumbs": crumbs(
                project,
                (_("Usages"), reverse("usage-list-page", args=[project.pk])),
                (location.name, None),
            ),
        },
    )
