"""A project's archive, read-only, as a regulator audits it."""

from django.urls import path

from config.views import not_built_yet

archive = "projects/<int:project_id>/archive/"

urlpatterns = [
    path(archive, not_built_yet, name="archive-page"),
    path(archive + "documents/", not_built_yet, name="archive-documents-page"),
    path(archive + "plaques/", not_built_yet, name="archive-plaques-page"),
]
