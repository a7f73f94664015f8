"""A project's archive package: export, progress, download, how to verify it offline."""

from django.urls import path

from config.views import not_built_yet

urlpatterns = [
    path("projects/<int:project_id>/package/", not_built_yet, name="package-page"),
]
