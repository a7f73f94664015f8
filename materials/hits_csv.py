"""A recall notice's hits as CSV, built once for two readers.

Programs (the API's ``hits.csv``) get stable English column keys and role codes, which a
translation must never change under a script that parses them. People (the recall page's
download) get headers, states, units and role names in their own language, for a
spreadsheet. Both are UTF-8 with a byte-order mark, without which Excel reads the Chinese
as gibberish."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from materials.models import Delivery, Unit
from projects.models import Role

BOM = "\ufeff"

# (key of a notice_hits row, header a person reads)
COLUMNS = [
    ("project_id", pgettext_lazy("recall hits", "Project ID")),
    ("project", pgettext_lazy("recall hits", "Project")),
    ("jurisdiction_code", pgettext_lazy("recall hits", "District (region code)")),
    ("delivery_id", pgettext_lazy("recall hits", "Delivery ID")),
    ("batch_number", pgettext_lazy("recall hits", "Batch number")),
    ("delivery_state", pgettext_lazy("recall hits", "Delivery state")),
    ("delivered_quantity", pgettext_lazy("recall hits", "Quantity delivered")),
    ("unit", pgettext_lazy("recall hits", "Unit")),
    ("delivered_on", pgettext_lazy("recall hits", "Delivered on")),
    ("accepted_by", pgettext_lazy("recall hits", "Accepted by (supervisor)")),
    ("inspected_by", pgettext_lazy("recall hits", "Inspected by (contractor)")),
    ("usage_id", pgettext_lazy("recall hits", "Usage ID")),
    ("location", pgettext_lazy("recall hits", "Location")),
    ("used_quantity", pgettext_lazy("recall hits", "Quantity used")),
    ("used_on", pgettext_lazy("recall hits", "Used on")),
    ("installer", pgettext_lazy("recall hits", "Installed by (contractor)")),
    ("leads", pgettext_lazy("recall hits", "Leads in office")),
]
KEYS = [key for key, _label in COLUMNS]


class _Echo:
    def write(self, value):
        return value


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _for_people(row: dict) -> dict:
    leads = pgettext("list separator", "; ").join(
        _("%(role)s: %(name)s") % {"role": _label(Role, lead["role"]), "name": lead["name"]}
        for lead in row["leads"]
    )
    return {
        **row,
        "delivery_state": _label(Delivery.State, row["delivery_state"]),
        "unit": _label(Unit, row["unit"]),
        "leads": leads,
    }


def _for_programs(row: dict) -> dict:
    leads = "; ".join(f"{lead['role']}: {lead['name']}" for lead in row["leads"])
    return {**row, "leads": leads}


def hits_csv_lines(rows: Iterable[dict], *, for_people: bool) -> Iterator[str]:
    """``rows`` (``notice_hits`` dicts) as CSV lines, the BOM first: with ``for_people``
    in the active language, else with the keys and codes the API documents."""
    writer = csv.writer(_Echo())
    yield BOM
    yield writer.writerow([str(label) for _key, label in COLUMNS] if for_people else KEYS)
    shape = _for_people if for_people else _for_programs
    for row in rows:
        values = shape(row)
        yield writer.writerow(["" if values[key] is None else values[key] for key in KEYS])
