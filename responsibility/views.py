"""Pages: the public plaque verification page (no login) and the signing page."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from responsibility import plaques
from responsibility.models import Plaque


def plaque_public(request, token: str):
    """What a passer-by sees after scanning the plaque: names, never ID or phone numbers."""
    plaque = get_object_or_404(Plaque.objects.select_related("unit_work__project"), token=token)
    project = plaque.unit_work.project
    return render(
        request,
        "responsibility/plaque_public.html",
        {
            "plaque": plaque,
            "content": plaque.content,
            "verified": plaques.project_records_verify(project),
        },
    )
