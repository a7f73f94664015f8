"""User accounts are written by Django's auth app and the admin, not by our services, yet an
account change (a new login, a password reset, a superuser flag, a group) is a write the
archive must answer for. These handlers put each one in the ledger, in the writing
transaction, with the person who made it.

Signals rather than services because the writes happen in code we do not own (the admin,
``createsuperuser``, ``changepassword``). The acting person comes from the request being
served (``ActorMiddleware``); commands and scripts act as nobody in particular, which the
entry records as an empty actor.
"""

from __future__ import annotations

import contextvars

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from ledger.services import ledger_append

_request = contextvars.ContextVar("ledger_request", default=None)


class ActorMiddleware:
    """Remembers the request being served, so ledger entries written by signal handlers can
    name who is logged in (read at write time: DRF authenticates inside the view)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def current_actor():
    request = _request.get()
    user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _append(user, action: str) -> None:
    with transaction.atomic():  # the caller's transaction when there is one
        ledger_append(record=user, action=action, actor=current_actor())


def _saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a login, not a change to the account
    _append(instance, "create" if created else "update")


def _deleted(sender, instance, **kwargs) -> None:
    _append(instance, "delete")


def _relations_changed(sender, instance, action, reverse, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear") and not reverse:
        _append(instance, "update")


def connect() -> None:
    user_model = get_user_model()
    post_save.connect(_saved, sender=user_model, dispatch_uid="ledger_user_saved")
    post_delete.connect(_deleted, sender=user_model, dispatch_uid="ledger_user_deleted")
    for relation in (user_model.groups.through, user_model.user_permissions.through):
        m2m_changed.connect(
            _relations_changed, sender=relation, dispatch_uid=f"ledger_user_{relation.__name__}"
        )


def disconnect() -> None:
    """For tests of the ledger's mechanics that count entries one by one."""
    user_model = get_user_model()
    post_save.disconnect(sender=user_model, dispatch_uid="ledger_user_saved")
    post_delete.disconnect(sender=user_model, dispatch_uid="ledger_user_deleted")
    for relation in (user_model.groups.through, user_model.user_permissions.through):
        m2m_changed.disconnect(sender=relation, dispatch_uid=f"ledger_user_{relation.__name__}")
