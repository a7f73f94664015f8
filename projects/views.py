"""Pages: signing in and out (the projects list is work/views.py: it counts what is open
in every app)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.utils.translation import gettext_lazy as _


class SignInView(auth_views.LoginView):
    """The archive's own sign-in page. django-axes counts its wrong passwords and locks out
    like the API's token endpoint (projects/signin.py); a signed-in visitor goes home."""

    template_name = "projects/sign_in.html"
    redirect_authenticated_user = True
    extra_context = {"title": _("Sign in")}


class SignOutView(auth_views.LogoutView):
    """Sign out: a POST from the layout's button (a GET link could be triggered by any page)."""
