"""Signing in: the lockout after repeated wrong passwords, and the API's expiring tokens.

Lockout is django-axes. It sits in front of Django's ``authenticate()`` as the first
authentication backend, so the login page, ``POST /api/v1/auth/token/`` and the password
re-entry before a signature (``projects.reauth``) are all counted and refused by one rule:
``SIGNIN_FAILURE_LIMIT`` wrong passwords for an account, or from an address, lock both for
``SIGNIN_COOLOFF_MINUTES``. Its counters live in the database, so every app process sees
the same ones (DRF's throttles count in a per-process cache unless a shared cache is run).

Tokens are django-rest-knox: a new token for each sign-in, stored only as a hash, expiring
after ``API_TOKEN_HOURS``, revoked one by one, all at once, or by signing out.
"""

from __future__ import annotations

import datetime
import math
from hmac import compare_digest

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt, AccessBase
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db.models import Max, Q
from django.dispatch import receiver
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from rest_framework import exceptions

from projects.http import client_address
from projects.models import AuditEvent
from projects.services import audit_event_record


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' backend, which refuses a locked-out account or address before the
    password is checked. A call without a request (Django's test client ``login()``, a
    script) is checked against the account's lockout too, instead of being an error; it is
    not counted, as there is no address and no one at a sign-in page."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            request = HttpRequest()
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_parameters(request_or_attempt, credentials=None) -> list[list[str]]:
    """``AXES_LOCKOUT_PARAMETERS``: by account, and by address when there is one (requests
    without an address must not all share one)."""
    if isinstance(request_or_attempt, AccessBase):
        address = request_or_attempt.ip_address
    else:
        address = client_address(request_or_attempt)
    return [["username"], ["ip_address"]] if address else [["username"]]


def django_request(request) -> HttpRequest:
    """The HttpRequest under a DRF Request (or a bare one when there is no request at all):
    django-axes marks a lockout on the object it is given, and its middleware reads it from
    the HttpRequest."""
    if request is None:
        return HttpRequest()
    return getattr(request, "_request", request)


def credentials_authenticate(*, request, username: str, password: str):
    """``authenticate()`` counted by the lockout. The user, or None; when the account or the
    address is locked out the request is marked and the caller's answer is replaced by the
    lockout answer (``lockout_response``)."""
    return authenticate(django_request(request), username=username, password=password)


def is_locked_out(request) -> bool:
    return bool(getattr(django_request(request), "axes_locked_out", False))


def lockout_wait(*, username: str | None, ip_address: str | None) -> datetime.timedelta:
    """How long until the lockout of this account and address ends: the cool-off counted from
    the last wrong password that counts against either."""
    cool_off = datetime.timedelta(minutes=settings.SIGNIN_COOLOFF_MINUTES)
    matching = Q(pk__in=[])
    if username:
        matching |= Q(username=username)
    if ip_address:
        matching |= Q(ip_address=ip_address)
    last = AccessAttempt.objects.filter(matching).aggregate(last=Max("attempt_time"))["last"]
    if last is None:
        return cool_off
    return max(last + cool_off - timezone.now(), datetime.timedelta(seconds=1))


def lockout_message(wait: datetime.timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return ngettext(
        "Too many wrong passwords for this account or from this address, so signing in is"
        " locked. Try again in %(minutes)d minute, or ask an archive operator to unlock it.",
        "Too many wrong passwords for this account or from this address, so signing in is"
        " locked. Try again in %(minutes)d minutes, or ask an archive operator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """What django-axes answers instead of the page or API response when sign-in is locked
    out (``AXES_LOCKOUT_CALLABLE``): 429 with the wait, as JSON for the API and as a page for
    people, in the request's language."""
    username = (credentials or {}).get("username") or getattr(request, "POST", {}).get("username")
    wait = lockout_wait(username=username, ip_address=client_address(request))
    retry_after = str(math.ceil(wait.total_seconds()))
    message = lockout_message(wait)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": message, "code": "sign_in_locked", "retry_after": int(retry_after)},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = render(request, "projects/sign_in_locked.html", {"message": message}, status=429)
    response["Retry-After"] = retry_after
    return response


@receiver(user_locked_out, dispatch_uid="projects_sign_in_lockout_audited")
def _lockout_audited(sender, request, username, ip_address, **kwargs) -> None:
    """A lockout is an audit event (and so in the ledger): it may be someone guessing a
    password. Only the failure that starts it is recorded, not each refusal during it."""
    if getattr(request, "axes_failures_since_start", None) is None:
        return  # refused while already locked out: that lockout is recorded
    account = get_user_model().objects.filter(username=username).first() if username else None
    audit_event_record(
        actor=None,
        action=AuditEvent.Action.SIGN_IN_LOCKOUT,
        subject=account,
        reason=_(
            "%(count)d wrong passwords for the account “%(username)s” or from the address"
            " %(address)s; signing in is locked for %(minutes)d minutes."
        )
        % {
            "count": request.axes_failures_since_start,
            "username": username or "",
            "address": ip_address or "?",
            "minutes": settings.SIGNIN_COOLOFF_MINUTES,
        },
        request=request,
    )


class ExpiringTokenAuthentication(TokenAuthentication):
    """Knox's token authentication, saying so when the token presented has expired (knox
    deletes it and answers only "Invalid token."), so a phone knows to ask for the password
    again."""

    def authenticate_credentials(self, token: bytes):
        self._expired_digests: list[str] = []
        try:
            return super().authenticate_credentials(token)
        except exceptions.AuthenticationFailed as refused:
            if refused.get_codes() == "account_inactive":
                raise
            try:
                digest = hash_token(token.decode("utf-8"))
            except (TypeError, ValueError):
                digest = ""
            if digest and any(compare_digest(digest, d) for d in self._expired_digests):
                raise exceptions.AuthenticationFailed(
                    _(
                        "Your sign-in has expired. Sign in again with your username and"
                        " password to get a new token."
                    ),
                    code="token_expired",
                ) from None
            raise exceptions.AuthenticationFailed(
                _(
                    "This token is not valid: it has expired or was revoked. Sign in again with"
                    " your username and password to get a new token."
                ),
                code="token_invalid",
            ) from None

    def validate_user(self, auth_token):
        if not auth_token.user.is_active:
            raise exceptions.AuthenticationFailed(
                _("This account is deactivated. Ask an archive operator."),
                code="account_inactive",
            )
        return (auth_token.user, auth_token)

    def _cleanup_token(self, auth_token) -> bool:
        digest = auth_token.digest  # knox deletes an expired token, which clears its key
        expired = super()._cleanup_token(auth_token)
        if expired:
            self._expired_digests.append(digest)
        return expired


class ExpiringTokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme: ``Authorization: Token <token>``, as before knox."""

    target_class = ExpiringTokenAuthentication
    name = "tokenAuth"
