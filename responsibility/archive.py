"""Reads for a project's archive pages (archive_views.py): the parties and the leads' tenure
timeline, the letters and pledges with their evidence, the plaques and their installations.
Each reads its rows in a constant number of queries; access is checked by the caller
(``projects.access.project_for_user``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from projects import selectors as project_selectors
from projects.models import MANDATORY_ROLES, LeadTenure, Participation, Project, Role
from responsibility import plaques, selectors
from responsibility.models import PlaqueInstallation, PlaqueInstallationPhoto

# --- The leads' tenure timeline, drawn as inline SVG (no script, no style attributes) ---

WIDTH = 800
MARGIN = 12
AXIS_HEIGHT = 28
ROLE_LABEL_HEIGHT = 20
LANE_HEIGHT = 26
BAR_HEIGHT = 20
ROW_GAP = 10
TICK_STEPS = (1, 2, 3, 6, 12, 24, 60)  # months between ticks
MAX_TICKS = 9


@dataclass
class Bar:
    tenure: LeadTenure
    x: float
    y: float
    width: float
    start: datetime.date
    end: datetime.date | None  # None: in office

    @property
    def label_x(self) -> float:
        return round(self.x + 4, 1)

    @property
    def label_y(self) -> float:
        return round(self.y + 14, 1)


@dataclass
class Span:
    """A stretch of a role's row nobody covered (gap) or two leads covered (overlap)."""

    kind: str  # "gap" | "overlap"
    x: float
    y: float
    width: float
    height: float
    start: datetime.date
    end: datetime.date


@dataclass
class TimelineRow:
    participation: Participation
    label_y: float
    bars: list[Bar] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Timeline:
    width: int
    height: float
    rows: list[TimelineRow]
    ticks: list[Tick]
    today_x: float
    start: datetime.date
    end: datetime.date

    @property
    def gaps(self) -> int:
        return sum(1 for row in self.rows for span in row.spans if span.kind == "gap")

    @property
    def overlaps(self) -> int:
        return sum(1 for row in self.rows for span in row.spans if span.kind == "overlap")


def _lanes(tenures: list[LeadTenure], today: datetime.date) -> list[int]:
    """A lane for each tenure (sorted by start): the first whose last tenure ended by the
    day this one starts (a handover shares its day), so overlapping tenures stack."""
    lane_ends: list[datetime.date] = []
    lanes = []
    for tenure in tenures:
        end = tenure.end_date or today
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= tenure.start_date:
                lane_ends[lane] = end
                lanes.append(lane)
                break
        else:
            lane_ends.append(end)
            lanes.append(len(lane_ends) - 1)
    return lanes


def _gap_or_overlap(covered_to, start, end):
    """What lies between the role's leads so far (covering up to ``covered_to``) and the
    next tenure (``start``–``end``): a gap of at least a day without a lead, an overlap of
    two leads (a handover on one day, the successor starting the day the predecessor
    leaves, is neither), or nothing."""
    if covered_to is None:
        return None
    if start > covered_to + datetime.timedelta(days=1):
        return "gap", covered_to, start
    if start < covered_to:
        return "overlap", start, min(covered_to, end)
    return None


def _ticks(start: datetime.date, end: datetime.date, x) -> list[Tick]:
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next((s for s in TICK_STEPS if months / s <= MAX_TICKS), TICK_STEPS[-1])
    ticks = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        day = datetime.date(year, month, 1)
        if day >= start and (year * 12 + month - 1) % step == 0:
            label = f"{year}" if step >= 12 else f"{year}-{month:02d}"
            ticks.append(Tick(x=x(day), label=label))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return ticks


def tenure_timeline(
    participations: list[Participation],
    tenures: list[LeadTenure],
    today: datetime.date | None = None,
) -> Timeline | None:
    """Each role's tenures as bars on one time axis, with the gaps between tenures and the
    overlaps of tenures marked; None when no lead was ever named."""
    today = today or timezone.localdate()
    if not tenures:
        return None
    first = min(t.start_date for t in tenures)
    last = max([today, *(t.end_date for t in tenures if t.end_date)])
    start = first - datetime.timedelta(days=max(7, (last - first).days // 40))
    end = last + datetime.timedelta(days=max(7, (last - first).days // 40))
    span_days = max(1, (end - start).days)
    usable = WIDTH - 2 * MARGIN

    def x(day: datetime.date) -> float:
        return round(MARGIN + (day - start).days / span_days * usable, 1)

    order = list(Role.values)
    rows = []
    y = AXIS_HEIGHT
    for participation in sorted(participations, key=lambda p: (order.index(p.role), p.pk)):
        history = sorted(
            (t for t in tenures if t.participation_id == participation.pk),
            key=lambda t: (t.start_date, t.pk),
        )
        if not history and participation.role not in MANDATORY_ROLES:
            continue  # a testing lab or a supplier names no lead: no row to draw
        row = TimelineRow(participation=participation, label_y=y + 14)
        y += ROLE_LABEL_HEIGHT
        lanes = _lanes(history, today)
        for tenure, lane in zip(history, lanes, strict=True):
            bar_end = tenure.end_date or today
            row.bars.append(
                Bar(
                    tenure=tenure,
                    x=x(tenure.start_date),
                    y=y + lane * LANE_HEIGHT,
                    width=max(2.0, round(x(bar_end) - x(tenure.start_date), 1)),
                    start=tenure.start_date,
                    end=tenure.end_date,
                )
            )
        height = max(1, max(lanes, default=0) + 1) * LANE_HEIGHT
        covered_to = None
        for tenure in history:
            tenure_end = tenure.end_date or today
            span = _gap_or_overlap(covered_to, tenure.start_date, tenure_end)
            if span is not None:
                kind, span_start, span_end = span
                row.spans.append(
                    Span(
                        kind=kind,
                        x=x(span_start),
                        y=y,
                        width=max(2.0, round(x(span_end) - x(span_start), 1)),
                        height=height - (LANE_HEIGHT - BAR_HEIGHT),
                        start=span_start,
                        end=span_end,
                    )
                )
            covered_to = tenure_end if covered_to is None else max(covered_to, tenure_end)
        rows.append(row)
        y += height + ROW_GAP
    return Timeline(
        width=WIDTH,
        height=y,
        rows=rows,
        ticks=_ticks(start, end, x),
        today_x=x(today),
        start=start,
        end=end,
    )


# --- What each archive page reads ---


def archive_overview(*, project: Project) -> dict:
    """The project's unit works, parties (with their legal representatives) and every lead
    tenure, in four queries."""
    participations = list(
        project_selectors.participation_list(project=project).select_related(
            "organization__legal_representative"
        )
    )
    tenures = list(
        project_selectors.lead_tenure_list(project=project).select_related("person__organization")
    )
    order = list(Role.values)
    return {
        "unit_works": list(project_selectors.unit_work_list(project=project).order_by("pk")),
        "participations": sorted(participations, key=lambda p: (order.index(p.role), p.pk)),
        "tenures": sorted(tenures, key=lambda t: (order.index(t.role), t.start_date, t.pk)),
        "timeline": tenure_timeline(participations, tenures),
    }


def archive_documents(*, user, project: Project) -> list:
    """Every letter and pledge of the project, each with the document that corrected it
    (``corrected_by``) found in the same list: one query."""
    documents = list(
        selectors.document_list(user=user, project=project).select_related(
            "evidence__signature_image", "supersedes"
        )
    )
    by_superseded = {d.supersedes_id: d for d in documents if d.supersedes_id}
    for document in documents:
        document.corrected_by = by_superseded.get(document.pk)
    order = list(Role.values)
    return sorted(
        documents,
        key=lambda d: (order.index(d.participation.role), d.kind, d.created_at, d.pk),
    )


def archive_plaques(*, project: Project) -> list:
    """Each unit work with its plaque's state (``plaques.plaque_overview``) and the plaque's
    installations with their photos: three queries, however many unit works."""
    states = plaques.plaque_overview(project=project)
    installations = (
        PlaqueInstallation.objects.filter(plaque__unit_work__project=project)
        .order_by("installed_on", "pk")
        .prefetch_related(
            Prefetch(
                "photos",
                queryset=PlaqueInstallationPhoto.objects.select_related("stored_object").order_by(
                    "pk"
                ),
            )
        )
    )
    by_plaque: dict[int, list] = {}
    for installation in installations:
        by_plaque.setdefault(installation.plaque_id, []).append(installation)
    for state in states:
        state.installations = by_plaque.get(state.plaque.pk, []) if state.plaque else []
    return states
