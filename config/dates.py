"""Calendar arithmetic the archive's horizons share."""

from __future__ import annotations

import datetime
from typing import TypeVar

D = TypeVar("D", datetime.date, datetime.datetime)


def add_years(value: D, years: int) -> D:
    """``value`` moved ``years`` calendar years on; 29 February becomes the 28th in a year
    that has none, so a horizon never ends later than the law's count of years."""
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February in a year that has none
        return value.replace(year=value.year + years, day=28)
