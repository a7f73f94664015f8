"""What the base layout shows on every page: who is signed in, in what role, where to go."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from projects.access import regulator_account_of
from projects.models import Membership


def layout(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role": ""}
    regulator = regulator_account_of(user)
    items = [
        ("home", reverse("home"), _("My work")),
        ("projects", reverse("project-list-page"), _("Projects")),
    ]
    if user.is_staff or regulator is not None:
        items.append(("oversight", reverse("oversight-page"), _("Oversight")))
    return {"nav_items": items, "user_role": _role_of(user, regulator)}


def _role_of(user, regulator) -> str:
    """One line under the user's name: what the archive lets them do."""
    if regulator is not None:
        return _("Regulator, %(agency)s") % {"agency": regulator.agency}
    if user.is_staff:
        return _("Archive operator")
    roles = dict(Membership.Role.choices)
    held = sorted(set(user.project_memberships.values_list("role", flat=True)))
    return "、".join(str(roles[role]) for role in held)
