"""The error pages, in the user's language (the handlers run after LocaleMiddleware)."""

from __future__ import annotations

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from projects.access import PublicNotFound

# Each error page says what happened and what to do about it; Django's own say only
# "403 Forbidden".


def bad_request(request, exception=None):
    return _error_page(
        request,
        400,
        _("The request could not be understood"),
        _("Something in what was sent was malformed. Go back, check the form and send it again."),
    )


def permission_denied(request, exception=None):
    reason = str(exception) if exception and str(exception) else ""
    return _error_page(
        request,
        403,
        _("You may not do this"),
        reason or _("Your account does not have the right to see or change this."),
        advice=_(
            "If you think you should, ask the project's records keeper or an archive operator"
            " to give your account the role."
        ),
    )


def page_not_found(request, exception=None):
    if isinstance(exception, PublicNotFound):
        return _error_page(
            request,
            404,
            _("Not found"),
            str(exception),
            advice=exception.advice or _("Check the address, or start again from your work."),
        )
    return _error_page(
        request,
        404,
        _("Not found"),
        _(
            "There is nothing here, or you do not have access to it. The archive does not say"
            " which, so that its records cannot be discovered by guessing addresses."
        ),
        advice=_("Check the address, or start again from your work."),
    )


def server_error(request):
    # Rendered without the request's context processors: whatever failed may be among them.
    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request, reason=""):
    return _error_page(
        request,
        403,
        _("The form had expired"),
        _(
            "The page was open too long, or you signed in or out in another tab, so the form"
            " could not be accepted. Nothing was saved."
        ),
        advice=_("Go back, reload the page and send the form again."),
    )


def _error_page(request, status: int, title: str, reason: str, *, advice: str = ""):
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "reason": reason, "advice": advice},
        status=status,
    )
