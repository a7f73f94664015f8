"""``{{ data.sign_offs|rows_of:record.pk }}``: the trace's rows of one item, in templates."""

from django import template

register = template.Library()


@register.filter
def rows_of(rows_by_id: dict, pk) -> list:
    """The rows of ``pk`` in one of ``responsibility.trace.TraceData``'s dicts (none: [])."""
    return rows_by_id.get(pk, [])
