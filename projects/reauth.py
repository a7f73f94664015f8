"""Signing asks for the password again. One check for every kind of signature (letters and
pledges in responsibility/, acceptance sign-offs in inspections/)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def password_reentered_check(*, user, password: str, request=None) -> None:
    """The person re-entered their own password. Checked through the authentication
    backends, as a login is, so an inactive account or a backend's lockout refuses it too."""
    checked = None
    if password:
        checked = authenticate(request, username=user.get_username(), password=password)
    if checked is None or checked.pk != user.pk:
        raise ValidationError({"password": _("That password is not correct.")}, code="reauth")
