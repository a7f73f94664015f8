"""Pages of a recall: the notices, a new notice, its hits with their CSV, and each project's
action tracked to closure. Each view asks the access helpers and calls the services and
selectors materials/api.py calls; a refusal of the service is shown beside its field, 400."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.pages import see_other, service_errors
from ledger.canonical import record_type
from ledger.models import ENTRY_ORDER, LedgerEntry
from ledger.proofs import RecordChecks
from materials import access, selectors, services
from materials.hits_csv import hits_csv_lines
from materials.models import Delivery, RecallAction, RecallEvidence, Unit, Usage
from materials.recall_forms import (
    ActionOpenForm,
    CloseForm,
    EvidenceForm,
    HitFilterForm,
    NoticeForm,
)
from projects.access import project_for_user
from projects.models import Role

PAGE_SIZE = 50
HITS_PAGE_SIZE = 25  # each hit row carries five leads and a ledger check


def _sent(request) -> tuple:
    if request.method == "POST":
        return (request.POST, request.FILES)
    return (None, None)


def _recalls_crumb():
    return (_("Recalls"), reverse("recall-list-page"))


def _notice_label(notice) -> str:
    return _("%(product)s of %(maker)s") % {
        "product": notice.product,
        "maker": notice.manufacturer.name,
    }


def _console(user) -> dict:
    """Regulators and operators see the console's tabs; members reach a notice from here."""
    console = access.may_issue_notices(user)
    return {"console": console, "nav_active": "oversight" if console else "projects"}


@require_GET
@login_required
def recall_list_page(request):
    access.recall_list_check(request.user)
    page = Paginator(selectors.notice_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for notice in page.object_list:
        notice.closed_actions = notice.actions_total - notice.open_actions
    context = {
        "page": page,
        "checks": RecordChecks(page.object_list),
        "breadcrumbs": [(_("Recalls"), None)],
        **_console(request.user),
    }
    return render(request, "materials/recall_list.html", context)


@login_required
def recall_create_page(request):
    access.notice_issue_check(request.user)
    user = request.user
    form = NoticeForm(
        *_sent(request),
        maker_by_code=lambda code: selectors.manufacturer_by_credit_code(
            user=user, credit_code=code
        ),
        batches_by_number=lambda maker, product, numbers: selectors.notice_batches_by_number(
            user=user, manufacturer=maker, product=product, numbers=numbers
        ),
        initial={"issued_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                notice = services.defect_notice_issue(
                    manufacturer=data["manufacturer"],
                    product=data["product"],
                    batch_number_from=data["batch_number_from"],
                    batch_number_to=data["batch_number_to"],
                    batches=data["batches"],
                    source=data["source"],
                    issued_on=data["issued_on"],
                    description=data["description"],
                    actor=user,
                )
        except ValidationError as exc:
            service_errors(form, exc, field="batch_numbers")
        else:
            messages.success(request, _("The notice is issued; these are its hits."))
            return see_other("recall-page", notice.pk)
    context = {
        "form": form,
        "breadcrumbs": [_recalls_crumb(), (_("New recall notice"), None)],
        **_console(user),
    }
    return render(
        request, "materials/recall_create.html", context, status=400 if form.errors else 200
    )


def _hit_filters(request, notice):
    districts = selectors.notice_affected_districts(notice=notice, user=request.user)
    filters = HitFilterForm(request.GET or None, districts=districts)
    chosen = {}
    if filters.is_bound and filters.is_valid():
        chosen = {
            "project_name": filters.cleaned_data["project"].strip(),
            "district": filters.cleaned_data["district"],
            "state": filters.cleaned_data["state"],
        }
    return filters, chosen


def _labelled(hits: list[dict]) -> list[dict]:
    """The hits with their state, unit and leads' roles in the reader's words."""
    for hit in hits:
        hit["state_label"] = Delivery.State(hit["delivery_state"]).label
        hit["unit_label"] = Unit(hit["unit"]).label
        for lead in hit["leads"]:
            lead["label"] = _("%(role)s: %(name)s") % {
                "role": Role(lead["role"]).label,
                "name": lead["name"],
            }
    return hits


def _hit_checks(hits, records) -> RecordChecks:
    """One RecordChecks over the page's records and each hit's usage (or its delivery,
    when nothing was used from it yet): two queries for the rows, four for the checks."""
    usage_ids = [h["usage_id"] for h in hits if h["usage_id"] is not None]
    delivery_ids = [h["delivery_id"] for h in hits if h["usage_id"] is None]
    usages = {u.pk: u for u in Usage.objects.filter(pk__in=usage_ids)} if usage_ids else {}
    deliveries = (
        {d.pk: d for d in Delivery.objects.filter(pk__in=delivery_ids)} if delivery_ids else {}
    )
    for hit in hits:
        if hit["usage_id"] is not None:
            hit["record"] = usages.get(hit["usage_id"])
        else:
            hit["record"] = deliveries.get(hit["delivery_id"])
    return RecordChecks([*records, *(h["record"] for h in hits)])


@login_required
def recall_page(request, notice_id: int):
    user = request.user
    access.notice_for_user(user, notice_id)
    notice = selectors.notice_list(user=user).get(pk=notice_id)
    to_act_on = list(selectors.notice_projects_to_act_on(notice=notice, user=user))
    if request.method == "POST" and not to_act_on:
        raise PermissionDenied(
            _(
                "Actions on a notice are opened by the site supervisors and leads of a project"
                " it affects, or by an archive operator."
            )
        )
    action_form = ActionOpenForm(
        request.POST if request.method == "POST" else None, projects=to_act_on
    )
    if request.method == "POST" and action_form.is_valid():
        data = action_form.cleaned_data
        project = project_for_user(user, data["project"], write=True)
        try:
            action = services.recall_action_open(
                notice=notice,
                project=project,
                kind=data["measure"],
                description=data["description"],
                actor=user,
            )
        except ValidationError as exc:
            service_errors(action_form, exc)
        else:
            messages.success(request, _("The action is opened; attach its evidence here."))
            return see_other("recall-action-page", notice.pk, action.pk)
    filters, chosen = _hit_filters(request, notice)
    rows = selectors.notice_hit_rows(notice=notice, user=user, **chosen)
    page = Paginator(rows, HITS_PAGE_SIZE).get_page(request.GET.get("page"))
    hits = _labelled(selectors.notice_hit_dicts(page.object_list, notice=notice))
    actions = list(selectors.recall_action_list(notice=notice, user=user))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "notice": notice,
        "named_batches": [b.batch_number for b in notice.batches.all()],
        "filters": filters,
        "page": page,
        "hits": hits,
        "query": query.urlencode(),
        "actions": actions,
        "action_form": action_form if to_act_on else None,
        "checks": _hit_checks(hits, [notice, *actions]),
        "breadcrumbs": [_recalls_crumb(), (_notice_label(notice), None)],
        **_console(user),
    }
    status = 400 if action_form.errors else 200
    return render(request, "materials/recall.html", context, status=status)


@require_GET
@login_required
def recall_hits_csv(request, notice_id: int):
    """The hits (as filtered on the page) for a spreadsheet: headers, states and role names
    in the reader's language, UTF-8 with a BOM (``hits_csv_lines``)."""
    notice = access.notice_for_user(request.user, notice_id)
    _form, chosen = _hit_filters(request, notice)
    rows = selectors.notice_hit_dicts(
        selectors.notice_hit_list(notice=notice, user=request.user, **chosen), notice=notice
    )
    language = translation.get_language()

    def lines():
        # Streamed after the view returns: keep the reader's language for the rows' words.
        with translation.override(language):
            yield from hits_csv_lines(rows, for_people=True)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="recall-{notice.pk}.csv"'
    return response


def _history(action: RecallAction) -> list[dict]:
    """What the ledger holds of the action and its evidence, oldest first (one query)."""
    evidence = {str(e.pk): e for e in action.evidence.all()}
    action_type, evidence_type = record_type(RecallAction), record_type(RecallEvidence)
    entries = LedgerEntry.objects.filter(
        record_type=action_type, record_id=str(action.pk)
    ) | LedgerEntry.objects.filter(record_type=evidence_type, record_id__in=list(evidence))
    history = []
    for entry in entries.order_by(*ENTRY_ORDER):
        if entry.record_type == evidence_type:
            what = _("Evidence added: %(name)s") % {
                "name": evidence[entry.record_id].stored_object.original_name
            }
        elif entry.action == "create":
            what = _("Opened: %(measure)s") % {"measure": action.get_kind_display()}
        elif entry.action == "state" and action.closed_at is not None:
            what = _("Closed: %(note)s") % {"note": action.closing_note}
        else:
            what = entry.action
        history.append({"entry": entry, "what": what})
    return history


def _write_refusal(user, action) -> str:
    """Why ``user`` may not add evidence or close (the project's own 403), or ""."""
    try:
        project_for_user(user, action.project_id, write=True)
    except PermissionDenied as exc:
        return str(exc)
    return ""


@login_required
def recall_action_page(request, notice_id: int, action_id: int):
    user = request.user
    write = request.method == "POST"
    action = access.recall_action_for_user(user, notice_id, action_id, write=write)
    evidence_form = EvidenceForm(*_sent(request)) if request.POST.get("do") == "evidence" else None
    close_form = CloseForm(request.POST) if request.POST.get("do") == "close" else None
    if evidence_form is not None and evidence_form.is_valid():
        try:
            services.recall_evidence_add(
                action=action, fileobj=evidence_form.cleaned_data["file"], actor=user
            )
        except ValidationError as exc:
            service_errors(evidence_form, exc, field="file")
        else:
            messages.success(request, _("The evidence is attached."))
            return see_other("recall-action-page", notice_id, action_id)
    if close_form is not None and close_form.is_valid():
        try:
            services.recall_action_close(
                action=action, note=close_form.cleaned_data["note"], actor=user
            )
        except ValidationError as exc:
            service_errors(close_form, exc, field="note")
        else:
            messages.success(request, _("The action is closed."))
            return see_other("recall-action-page", notice_id, action_id)
    if write and evidence_form is None and close_form is None:
        raise BadRequest("neither evidence nor a closing was sent")
    action = selectors.recall_action_list(notice=action.notice, user=user).get(pk=action.pk)
    notice = selectors.notice_list(user=user).get(pk=notice_id)
    evidence = list(action.evidence.all())
    refusal = _write_refusal(user, action)
    context = {
        "notice": notice,
        "action": action,
        "evidence": evidence,
        "history": _history(action),
        "refusal": refusal,
        "evidence_form": evidence_form or EvidenceForm(),
        "close_form": close_form or CloseForm(),
        "checks": RecordChecks([action, *evidence]),
        "breadcrumbs": [
            _recalls_crumb(),
            (_notice_label(notice), reverse("recall-page", args=[notice.pk])),
            (action.project.name, None),
        ],
        **_console(user),
    }
    errors = (evidence_form and evidence_form.errors) or (close_form and close_form.errors)
    return render(request, "materials/recall_action.html", context, status=400 if errors else 200)
