"""Signing asks for the password again. One check for every kind of signature (letters and
pledges in responsibility/, acceptance sign-offs in inspections/)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from projects.http import client_address
from projects.signin import (
    credentials_authenticate,
    django_request,
    is_locked_out,
    lockout_message,
    lockout_wait,
)


def password_reentered_check(*, user, password: str, request=None) -> None:
    """The person re-entered their own password. Checked through the authentication
    backends, as a login is, so an inactive account is refused, and wrong passwords count
    towards the sign-in lockout: a stolen token cannot be used to guess the password.

    Call it outside the transaction that writes the signature: a refusal rolls that back,
    and the wrong password must still be counted. Give it the request: the lockout is also
    by address, and the answer to a locked-out request becomes the lockout answer (429).
    """
    request = django_request(request)
    checked = None
    if password:
        checked = credentials_authenticate(
            request=request, username=user.get_username(), password=password
        )
    if checked is not None and checked.pk == user.pk:
        return
    if is_locked_out(request):
        wait = lockout_wait(username=user.get_username(), ip_address=client_address(request))
        raise ValidationError({"password": lockout_message(wait)}, code="sign_in_locked")
    raise ValidationError({"password": _("That password is not correct.")}, code="reauth")
