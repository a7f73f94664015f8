from django.urls import path

from projects import views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="sign-in"),
    path("logout/", views.SignOutView.as_view(), name="sign-out"),
]
