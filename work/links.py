"""Links to pages that may not exist yet on every branch of the archive."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse


def page_url(name: str, *args, fallback: str | None = None) -> str:
    """The URL of the page ``name``; ``fallback`` if no such page is routed (pages built on
    other branches: the link then leads to the nearest page that exists)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        if fallback is None:
            raise
        return fallback
