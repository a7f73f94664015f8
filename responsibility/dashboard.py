"""The jurisdiction dashboard's filter form and its two charts (inline SVG drawn on the
server: the Content-Security-Policy allows no inline style, so the shapes carry presentation
attributes and classes only)."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from projects.models import Project
from responsibility.oversight import KINDS, SORTS, Dashboard


def _invalid_choice(allowed) -> str:
    return format_lazy(
        gettext_lazy("“%(value)s” is not a value of this filter; use one of: {allowed}."),
        allowed=", ".join(allowed),
    )


def page_parameter(key: str) -> str:
    return f"{key}_page"


class DashboardForm(forms.Form):
    """The dashboard's filters, read from the query string. A parameter the page does not
    know, or one given twice, is refused rather than ignored: a page that silently drops
    ``?kinds=plaques`` shows everything, which reads as if the filter had worked."""

    district = forms.ChoiceField(label=gettext_lazy("District"), required=False)
    stage = forms.ChoiceField(label=pgettext_lazy("project", "Stage"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of item"), required=False)
    since = forms.DateField(
        label=gettext_lazy("Since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": gettext_lazy("Enter the date as YYYY-MM-DD.")},
    )
    sort = forms.ChoiceField(label=gettext_lazy("Sort"), required=False)

    def __init__(self, data, *, districts: list[str]):
        super().__init__(data)
        fields = self.fields
        fields["district"].choices = [("", _("all districts")), *((d, d) for d in districts)]
        fields["stage"].choices = [("", _("all stages")), *Project.Stage.choices]
        fields["kind"].choices = [("", _("all kinds")), *((k.key, k.title) for k in KINDS)]
        fields["sort"].choices = list(SORTS.items())
        for name in ("district", "stage", "kind", "sort"):
            allowed = [value for value, _label in fields[name].choices if value]
            fields[name].error_messages["invalid_choice"] = _invalid_choice(allowed)
        for kind in KINDS:
            fields[page_parameter(kind.key)] = forms.IntegerField(
                required=False,
                min_value=1,
                widget=forms.HiddenInput,
                error_messages={"invalid": gettext_lazy("A page number is a whole number.")},
            )

    def clean(self):
        known = list(self.fields)
        for name in self.data:
            if name not in known:
                self.add_error(
                    None,
                    _("“%(name)s” is not a filter of this page; it takes: %(known)s.")
                    % {"name": name, "known": ", ".join(known)},
                )
            elif len(self.data.getlist(name)) > 1:
                self.add_error(
                    None,
                    _("Give “%(name)s” once; this request gave it %(count)d times.")
                    % {"name": name, "count": len(self.data.getlist(name))},
                )
        return super().clean()

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "district": data["district"],
            "stage": data["stage"],
            "kind": data["kind"],
            "since": data["since"],
            "sort": data["sort"] or "oldest",
            "pages": {
                kind.key: data[page_parameter(kind.key)] or 1
                for kind in KINDS
                if data.get(page_parameter(kind.key))
            },
        }

    def filter_fields(self):
        return [self[name] for name in ("district", "stage", "kind", "since", "sort")]


# --- Charts ---

# Small viewBoxes with large type: the drawings scale to their card, and a label of 15 units
# still reads at about 9 px on a 360 px phone.
MONTHS_WIDTH, MONTHS_HEIGHT = 480, 230
MONTHS_LEFT, MONTHS_BOTTOM, MONTHS_TOP = 40, 44, 12
STAGE_LABEL, STAGE_BAR, STAGE_ROW = 190, 200, 30


def _nice_top(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50 … at least ``value``: a scale's round top."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if magnitude * step >= value:
                return magnitude * step
        magnitude *= 10


def months_chart(board: Dashboard) -> dict:
    """Open items by the month they arose, one bar a month, stacked by kind."""
    kinds = [page.kind for page in board.lists]
    totals = [sum(board.per_month[k.key].get(m, 0) for k in kinds) for m in board.months]
    top = _nice_top(max(totals, default=0) or 1)
    plot_height = MONTHS_HEIGHT - MONTHS_BOTTOM - MONTHS_TOP
    band = (MONTHS_WIDTH - MONTHS_LEFT - 8) / len(board.months)
    bars = []
    for index, month in enumerate(board.months):
        x = MONTHS_LEFT + index * band
        y = MONTHS_TOP + plot_height
        segments = []
        for kind in kinds:
            count = board.per_month[kind.key].get(month, 0)
            if not count:
                continue
            height = count / top * plot_height
            y -= height
            segments.append(
                {
                    "key": kind.key,
                    "title": kind.title,
                    "count": count,
                    "y": round(y, 1),
                    "height": round(height, 1),
                }
            )
        bars.append(
            {
                "month": month,
                "x": round(x + band * 0.2, 1),
                "width": round(band * 0.6, 1),
                "label_x": round(x + band / 2, 1),
                "show_year": index == 0 or month.month == 1,
                "total": totals[index],
                "segments": segments,
                "counts": [board.per_month[k.key].get(month, 0) for k in kinds],
            }
        )
    ticks = [
        {"value": value, "y": round(MONTHS_TOP + plot_height - value / top * plot_height, 1)}
        for value in sorted({0, top // 2, top})
    ]
    return {
        "width": MONTHS_WIDTH,
        "height": MONTHS_HEIGHT,
        "left": MONTHS_LEFT,
        "right": MONTHS_WIDTH - 8,
        "baseline": MONTHS_TOP + plot_height,
        "label_y": MONTHS_TOP + plot_height + 18,
        "year_y": MONTHS_TOP + plot_height + 36,
        "ticks": ticks,
        "bars": bars,
        "kinds": kinds,
        "empty": not any(totals),
    }


def stages_chart(board: Dashboard) -> dict:
    """Projects by stage: one horizontal bar a stage, the count at its end."""
    top = max((count for _value, _label, count in board.by_stage), default=0) or 1
    rows = []
    for index, (value, label, count) in enumerate(board.by_stage):
        width = count / top * STAGE_BAR
        rows.append(
            {
                "stage": value,
                "label": label,
                "count": count,
                "y": index * STAGE_ROW + 4,
                "text_y": index * STAGE_ROW + 4 + 16,
                "width": round(width, 1),
                "count_x": round(STAGE_LABEL + width + 6, 1),
            }
        )
    return {
        "width": STAGE_LABEL + STAGE_BAR + 40,
        "height": len(rows) * STAGE_ROW + 8,
        "label_x": STAGE_LABEL - 8,
        "bar_x": STAGE_LABEL,
        "bar_height": STAGE_ROW - 8,
        "rows": rows,
    }
