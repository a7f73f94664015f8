"""Signing asks for the password again: the one module for every kind of signature (letters
and pledges in responsibility/, acceptance sign-offs in inspections/), from the API and the
pages alike.

Two ways to give it, one rule: a signature request carries the password itself
(``password_reentered_check``, as acceptance sign-offs do), or the password was re-entered
in this session within ``SIGNING_REAUTH_SECONDS`` (``reauthenticate`` stamps the session,
``reauthenticated_at`` reads the stamp, ``reauthentication_fresh_check`` applies the window),
as the signing page and ``/signing/reauthenticate/`` do before a letter or pledge is signed.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
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


# Kept under its first name, so stamps made before the move still count within their window.
REAUTH_SESSION_KEY = "responsibility_reauthenticated_at"


def reauthenticate(*, request, password: str) -> None:
    """Check the password again and remember when, for this session and user only."""
    try:
        password_reentered_check(user=request.user, password=password, request=request)
    except ValidationError:
        request.session.pop(REAUTH_SESSION_KEY, None)
        raise
    request.session[REAUTH_SESSION_KEY] = f"{request.user.pk}|{timezone.now().isoformat()}"


def reauthenticated_at(request) -> datetime.datetime | None:
    """When this session's user last re-entered their password, if they did."""
    user_id, _sep, stamp = (request.session.get(REAUTH_SESSION_KEY) or "").partition("|")
    if stamp and user_id == str(request.user.pk):  # never another user's password entry
        return datetime.datetime.fromisoformat(stamp)
    return None


def reauthentication_fresh_check(at: datetime.datetime | None) -> None:
    """The password was re-entered within ``SIGNING_REAUTH_SECONDS`` of now."""
    window = settings.SIGNING_REAUTH_SECONDS
    if at is not None and timezone.now() - at <= datetime.timedelta(seconds=window):
        return
    raise ValidationError(
        _(
            "Enter your password again before signing: signing needs a password entered"
            " within the last %(minutes)d minutes."
        )
        % {"minutes": max(1, window // 60)},
        code="reauthentication_required",
    )
