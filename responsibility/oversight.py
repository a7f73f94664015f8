"""What a regulator's jurisdiction needs attention for, kind by kind, in a fixed number of
queries whatever the number of projects.

Each kind of item is one queryset (``oversight_items``) annotated with ``item_project`` and
``item_since`` (the day the item arose or fell due), so the lists, their counts per kind,
per project and per month, their filters, sorting and pages are all done by the database:

- ``missing_documents`` — a lead in office in one of the five roles without a signed
  authorization letter or pledge (建质〔2014〕124号);
- ``overdue_lead_changes`` — a new lead whose letter and pledge are past their deadline;
- ``plaques`` — a completed unit work whose plaque is not installed by the jurisdiction's
  deadline, or was installed late;
- ``failed_samples`` — a failed test report on a delivery not yet rejected and removed;
- ``open_recalls`` — recall actions not closed;
- ``returned_records`` — acceptance records returned more than twice.

Two deadlines are rules in Python too (``responsibility.deadlines.lead_change_due``,
``responsibility.plaques.install_due``); here they are the same rules as SQL expressions, so
that an overdue item can be counted without loading it (tests hold the two to agree).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    ExtractIsoWeekDay,
    Least,
    TruncDate,
    TruncMonth,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from inspections.models import AcceptanceRecord, AcceptanceRound
from materials.models import Delivery, RecallAction, TestReport
from projects.models import MANDATORY_ROLES, LeadTenure, Project
from responsibility.models import DocumentKind, Plaque, PlaqueInstallation, ResponsibilityDocument

RETURNS_BEFORE_ATTENTION = 2
PAGE_SIZE = 10
TOP_PROJECTS = 10
CHART_MONTHS = 12


@dataclass(frozen=True)
class Kind:
    key: str
    short: str  # a column heading
    title: str
    project_path: str  # from the kind's model to its project
    items: Callable[[], QuerySet]
    describe: Callable[[object], str]
    link: Callable[[object], str]


# --- The querysets: one per kind, every row an item ---


def _signed(kind: str) -> Exists:
    return Exists(
        ResponsibilityDocument.objects.filter(
            lead_tenure=OuterRef("pk"),
            kind=kind,
            status=ResponsibilityDocument.Status.SIGNED,
        )
    )


def _unsigned_tenures() -> QuerySet[LeadTenure]:
    """Tenures in the five roles without both a signed letter and a signed pledge.

    One ``NOT IN`` the tenures that have both, rather than ``NOT EXISTS letter OR NOT EXISTS
    pledge``: PostgreSQL costs an OR of subplans as if each ran once a row, and the estimate
    (at 10,000 tenures, over the JIT threshold) made it compile the query for 170 ms."""
    complete = (
        ResponsibilityDocument.objects.filter(
            status=ResponsibilityDocument.Status.SIGNED,
            kind__in=[DocumentKind.LETTER, DocumentKind.PLEDGE],
        )
        .order_by()
        .values("lead_tenure")
        .annotate(kinds=Count("kind", distinct=True))
        .filter(kinds=2)
        .values("lead_tenure")
    )
    return LeadTenure.objects.filter(role__in=[role.value for role in MANDATORY_ROLES]).exclude(
        pk__in=complete
    )


def _with_documents(tenures: QuerySet[LeadTenure]) -> QuerySet[LeadTenure]:
    """Whether each tenure has its signed letter and pledge (for the rows shown)."""
    return tenures.annotate(
        letter=_signed(DocumentKind.LETTER), pledge=_signed(DocumentKind.PLEDGE)
    )


def _missing_documents() -> QuerySet[LeadTenure]:
    return (
        _with_documents(_unsigned_tenures().filter(end_date__isnull=True))
        .annotate(item_project=F("project_id"), item_since=F("start_date"))
        .select_related("person", "project")
    )


def _region_rule(jurisdiction: str, rules: dict, default, output_field):
    """``rules[code]`` for the most specific region code covering the project's jurisdiction
    (330108 before 330100 before 330000), else ``default``: the SQL twin of the lookups in
    ``deadline_working_days`` and ``install_due``."""
    whens = []
    for width in (6, 4, 2):
        for code, value in rules.items():
            if width == 6 and not code.endswith("00"):
                whens.append(When(**{jurisdiction: code}, then=Value(value)))
            elif width == 4 and code.endswith("00") and not code.endswith("0000"):
                whens.append(When(**{f"{jurisdiction}__startswith": code[:4]}, then=Value(value)))
            elif width == 2 and code.endswith("0000"):
                whens.append(When(**{f"{jurisdiction}__startswith": code[:2]}, then=Value(value)))
    return Case(*whens, default=Value(default), output_field=output_field)


def lead_change_due_sql():
    """``deadlines.lead_change_due`` in SQL: ``n`` working days (Monday to Friday) after the
    start. A start on a weekend counts from the Friday before; from weekday ``w`` (Monday 0,
    at most 4) the day is ``n`` days plus two for each weekend crossed, ``(w + n) // 5``."""
    days = _region_rule(
        "project__jurisdiction_code",
        {code: int(n) for code, n in settings.LEAD_CHANGE_DEADLINE_OVERRIDES.items()},
        settings.LEAD_CHANGE_DEADLINE_WORKING_DAYS,
        IntegerField(),
    )
    weekday = Cast(ExtractIsoWeekDay("start_date"), IntegerField()) - 1
    workday = Least(weekday, Value(4))
    offset = days + 2 * ((workday + days) / 5) - (weekday - workday)
    return _days_after(F("start_date"), offset)


class _DaysAfter(Func):
    """``day`` plus ``days`` (an integer expression): date arithmetic without durations,
    which Django cannot multiply by an expression on SQLite."""

    arity = 2
    output_field = DateField()

    def as_sql(self, compiler, connection, **extra_context):
        day, days = (compiler.compile(expression) for expression in self.source_expressions)
        return f"({day[0]} + ({days[0]}))", (*day[1], *days[1])

    def as_sqlite(self, compiler, connection, **extra_context):
        day, days = (compiler.compile(expression) for expression in self.source_expressions)
        return f"date({day[0]}, ({days[0]}) || ' days')", (*day[1], *days[1])


def _days_after(day, days) -> Func:
    return _DaysAfter(day, days)


def _overdue_lead_changes() -> QuerySet[LeadTenure]:
    return (
        _unsigned_tenures()
        .filter(predecessor__isnull=False)
        .annotate(item_project=F("project_id"), item_since=lead_change_due_sql())
        .filter(item_since__lt=timezone.localdate())
        .select_related("person", "project")
    )


def plaque_due_sql():
    """``plaques.install_due`` in SQL: the day of acceptance (rule "before") or that many
    days after it."""
    rules = {
        code: 0 if rule == "before" else int(rule)
        for code, rule in settings.PLAQUE_INSTALL_RULES.items()
    }
    days = _region_rule(
        "unit_work__project__jurisdiction_code",
        rules,
        settings.PLAQUE_INSTALL_DAYS_AFTER_ACCEPTANCE,
        IntegerField(),
    )
    accepted = TruncDate("frozen_at", tzinfo=timezone.get_current_timezone())
    return _days_after(accepted, days)


def _plaques() -> QuerySet[Plaque]:
    first = (
        PlaqueInstallation.objects.filter(plaque=OuterRef("pk"))
        .order_by()
        .values("plaque")
        .annotate(first=Min("installed_on"))
        .values("first")
    )
    return (
        Plaque.objects.annotate(
            item_project=F("unit_work__project_id"),
            item_since=plaque_due_sql(),
            installed_on=Subquery(first, output_field=DateField()),
        )
        .filter(
            Q(installed_on__isnull=True, item_since__lt=timezone.localdate())
            | Q(installed_on__gt=F("item_since"))
        )
        .select_related("unit_work__project")
    )


def _failed_samples() -> QuerySet[TestReport]:
    return (
        TestReport.objects.filter(result=TestReport.Result.FAIL)
        .exclude(sample__delivery__state=Delivery.State.REJECTED)
        .annotate(item_project=F("sample__delivery__project_id"), item_since=F("tested_on"))
        .select_related("sample__delivery__batch", "sample__delivery__project")
    )


def _open_recalls() -> QuerySet[RecallAction]:
    opened = TruncDate("opened_at", tzinfo=timezone.get_current_timezone())
    return (
        RecallAction.objects.filter(closed_at__isnull=True)
        .annotate(item_project=F("project_id"), item_since=opened)
        .select_related("notice", "project")
    )


def _returned_records() -> QuerySet[AcceptanceRecord]:
    returned = AcceptanceRound.objects.filter(outcome=AcceptanceRound.Outcome.RETURNED)
    per_record = returned.order_by().values("record").annotate(n=Count("pk"))
    returns = per_record.filter(record=OuterRef("pk")).values("n")
    # Only the few records returned often enough are counted, not every record.
    often = per_record.filter(n__gt=RETURNS_BEFORE_ATTENTION).values("record")
    return (
        AcceptanceRecord.objects.filter(pk__in=often)
        .annotate(
            returns=Subquery(returns, output_field=IntegerField()),
            item_project=F("project_id"),
            item_since=F("date"),
        )
        .select_related("project")
    )


# --- What each item says, and where it can be seen ---


def _describe_missing(tenure: LeadTenure) -> str:
    missing = [
        str(label)
        for signed, label in (
            (tenure.letter, DocumentKind.LETTER.label),
            (tenure.pledge, DocumentKind.PLEDGE.label),
        )
        if not signed
    ]
    return _("%(role)s %(name)s has no signed %(documents)s.") % {
        "role": tenure.get_role_display(),
        "name": tenure.person.name,
        "documents": _(" or ").join(missing),
    }


def _describe_lead_change(tenure: LeadTenure) -> str:
    return _("%(role)s changed to %(name)s: letter and pledge were due on %(due)s.") % {
        "role": tenure.get_role_display(),
        "name": tenure.person.name,
        "due": tenure.item_since.isoformat(),
    }


def _describe_plaque(plaque: Plaque) -> str:
    unit, due = plaque.unit_work.name, plaque.item_since.isoformat()
    if plaque.installed_on is None:
        return _("The plaque of %(unit)s is not installed; it was due on %(due)s.") % {
            "unit": unit,
            "due": due,
        }
    return _("The plaque of %(unit)s was installed late, on %(on)s (due %(due)s).") % {
        "unit": unit,
        "on": plaque.installed_on.isoformat(),
        "due": due,
    }


def _describe_failed(report: TestReport) -> str:
    batch = report.sample.delivery.batch
    return _(
        "Test report %(number)s failed %(product)s batch %(batch)s; the delivery is not"
        " rejected yet."
    ) % {"number": report.report_number, "product": batch.product, "batch": batch.batch_number}


def _describe_recall(action: RecallAction) -> str:
    return _("Recall action “%(kind)s” for %(product)s is open.") % {
        "kind": action.get_kind_display(),
        "product": action.notice.product,
    }


def _describe_returned(record: AcceptanceRecord) -> str:
    return _("Acceptance record “%(title)s” was returned %(count)s times.") % {
        "title": record.title,
        "count": record.returns,
    }


KINDS = [
    Kind(
        "missing_documents",
        pgettext_lazy("oversight column", "Letters, pledges"),
        gettext_lazy("Letters or pledges missing"),
        "project",
        _missing_documents,
        _describe_missing,
        lambda t: reverse("archive-documents-page", args=[t.project_id]),
    ),
    Kind(
        "overdue_lead_changes",
        pgettext_lazy("oversight column", "Lead changes"),
        gettext_lazy("Lead changes past their deadline"),
        "project",
        _overdue_lead_changes,
        _describe_lead_change,
        lambda t: reverse("lead-timeline-page", args=[t.project_id]),
    ),
    Kind(
        "plaques",
        pgettext_lazy("oversight column", "Plaques"),
        gettext_lazy("Plaques late or missing"),
        "unit_work__project",
        _plaques,
        _describe_plaque,
        lambda p: reverse("plaque-page", args=[p.item_project, p.unit_work_id]),
    ),
    Kind(
        "failed_samples",
        pgettext_lazy("oversight column", "Failed samples"),
        gettext_lazy("Failed samples"),
        "sample__delivery__project",
        _failed_samples,
        _describe_failed,
        lambda r: reverse("sample-page", args=[r.item_project, r.sample_id]),
    ),
    Kind(
        "open_recalls",
        pgettext_lazy("oversight column", "Recalls"),
        gettext_lazy("Open recall actions"),
        "project",
        _open_recalls,
        _describe_recall,
        lambda a: reverse("recall-action-page", args=[a.notice_id, a.pk]),
    ),
    Kind(
        "returned_records",
        pgettext_lazy("oversight column", "Returns"),
        gettext_lazy("Acceptance records returned more than twice"),
        "project",
        _returned_records,
        _describe_returned,
        lambda r: reverse("record-page", args=[r.project_id, r.pk]),
    ),
]
KINDS_BY_KEY = {kind.key: kind for kind in KINDS}


def oversight_items(key: str, projects: QuerySet[Project]) -> QuerySet:
    """The items of kind ``key`` on ``projects``, each annotated with ``item_project`` and
    ``item_since``."""
    kind = KINDS_BY_KEY[key]
    return kind.items().filter(**{f"{kind.project_path}__in": projects.values("pk")})


# --- The API's lists: every item of every kind ---


def oversight_lists(*, projects: QuerySet[Project], kinds: tuple[str, ...] = ()) -> dict:
    """Every item of every kind (or of ``kinds``) on ``projects`` (the API's contract: lists
    of project, project_name, what, since), in project order; a query a kind."""
    lists: dict = {"projects": projects.count()}
    for kind in KINDS:
        if kinds and kind.key not in kinds:
            continue
        rows = oversight_items(kind.key, projects).order_by("item_project", "item_since", "pk")
        lists[kind.key] = [_as_item(kind, row) for row in rows]
    return lists


def _project_of(kind: Kind, row) -> Project:
    project = row
    for step in kind.project_path.split("__"):
        project = getattr(project, step)
    return project


def _as_item(kind: Kind, row) -> dict:
    project = _project_of(kind, row)
    return {
        "project": project.pk,
        "project_name": project.name,
        "what": kind.describe(row),
        "since": row.item_since,
    }


# --- The jurisdiction dashboard ---

SORTS = {
    "oldest": gettext_lazy("oldest first"),
    "newest": gettext_lazy("newest first"),
    "project": gettext_lazy("by project"),
}


def _ordering(kind: Kind, sort: str) -> tuple[str, ...]:
    if sort == "newest":
        return ("-item_since", "-pk")
    if sort == "project":
        return (f"{kind.project_path}__name", "item_project", "item_since", "pk")
    return ("item_since", "pk")


@dataclass
class ItemPage:
    kind: Kind
    total: int
    number: int
    pages: int
    items: list[dict] = field(default_factory=list)
    previous_url: str | None = None
    next_url: str | None = None


@dataclass
class Dashboard:
    projects: int
    lists: list[ItemPage]
    months: list[datetime.date]
    per_month: dict[str, dict[datetime.date, int]]
    by_stage: list[tuple[str, str, int]]
    top_projects: list[dict]


def district_choices(projects: QuerySet[Project]) -> list[str]:
    """The administrative divisions the user's projects lie in: the district filter's values."""
    codes = projects.order_by().values_list("jurisdiction_code", flat=True).distinct()
    return sorted(codes)


def _as_date(value) -> datetime.date | None:
    """A month from TruncMonth: a date, or a datetime on SQLite."""
    return value.date() if isinstance(value, datetime.datetime) else value


def _month_start(day: datetime.date, back: int = 0) -> datetime.date:
    months = day.year * 12 + day.month - 1 - back
    return datetime.date(months // 12, months % 12 + 1, 1)


def dashboard(
    *,
    projects: QuerySet[Project],
    district: str = "",
    stage: str = "",
    kind: str = "",
    since: datetime.date | None = None,
    sort: str = "oldest",
    pages: dict[str, int] | None = None,
) -> Dashboard:
    """The regulator's dashboard over ``projects`` (what they may see), filtered: counts per
    kind, per month and per project from aggregate queries, and one page of each list."""
    pages = pages or {}
    scoped = projects
    if district:
        scoped = scoped.filter(jurisdiction_code=district)
    if stage:
        scoped = scoped.filter(stage=stage)
    shown = [k for k in KINDS if not kind or k.key == kind]
    querysets = {}
    for k in shown:
        items = oversight_items(k.key, scoped)
        if since:
            items = items.filter(item_since__gte=since)
        querysets[k.key] = items

    today = timezone.localdate()
    months = [_month_start(today, back) for back in range(CHART_MONTHS - 1, -1, -1)]
    totals: dict[str, int] = {}
    per_month: dict[str, dict[datetime.date, int]] = {}
    per_project: dict[int, dict[str, int]] = {}
    month = Case(
        When(item_since__gte=months[0], then=TruncMonth("item_since")),
        output_field=DateField(),
    )
    for key, items in querysets.items():
        # One query per kind counts its items by project and by month (items older than the
        # chart in one group): its total, its bars and its share of each project.
        groups = items.order_by().values_list("item_project", month).annotate(n=Count("pk"))
        totals[key], per_month[key] = 0, {}
        for project_id, arose, count in groups:
            totals[key] += count
            per_project.setdefault(project_id, {}).setdefault(key, 0)
            per_project[project_id][key] += count
            if arose is not None:
                arose = _as_date(arose)
                per_month[key][arose] = per_month[key].get(arose, 0) + count
    ranked = sorted(per_project.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    ranked = ranked[:TOP_PROJECTS]
    named = Project.objects.only("name", "stage", "jurisdiction_code").in_bulk(
        [pk for pk, _counts in ranked]
    )
    top_projects = [
        {
            "project": named[pk],
            "counts": [counts.get(k.key, 0) for k in shown],
            "total": sum(counts.values()),
        }
        for pk, counts in ranked
    ]

    lists = []
    for k in shown:
        total = totals.get(k.key, 0)
        last = max(1, -(-total // PAGE_SIZE))
        number = min(max(1, pages.get(k.key, 1)), last)
        first = (number - 1) * PAGE_SIZE
        ordering = _ordering(k, sort)
        # The page's keys are sorted over the narrow rows; only they are joined to what
        # the items say (PostgreSQL would otherwise join every item before the LIMIT).
        page_keys = querysets[k.key].order_by(*ordering).values("pk")[first : first + PAGE_SIZE]
        rows = k.items().filter(pk__in=page_keys).order_by(*ordering)
        items = [{**_as_item(k, row), "url": k.link(row)} for row in rows]
        lists.append(ItemPage(k, total, number, last, items))

    stages = dict(scoped.order_by().values_list("stage").annotate(n=Count("pk")))
    by_stage = [(value, label, stages.get(value, 0)) for value, label in Project.Stage.choices]
    return Dashboard(
        projects=sum(stages.values()),
        lists=lists,
        months=months,
        per_month=per_month,
        by_stage=by_stage,
        top_projects=top_projects,
    )
