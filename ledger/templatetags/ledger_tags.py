"""``{% record_check checks record %}``: the badge a page shows beside a record, saying
whether it is the record the ledger proves (``ledger.proofs.RecordChecks``)."""

from django import template

register = template.Library()


@register.inclusion_tag("ledger/partials/record_check.html")
def record_check(checks, record, detail=True):
    """``checks`` is a ``RecordChecks`` built by the view over every record of the page;
    ``detail=False`` shows the badge alone (tables), else with the entry's number and time."""
    check = checks.of(record)
    return {"check": check, "checkpoint": checks.checkpoint, "detail": detail}
