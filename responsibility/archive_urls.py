"""A project's archive, read-only, as a regulator audits it."""

from django.urls import path

from responsibility import archive_views as views

archive = "projects/<int:project_id>/archive/"

urlpatterns = [
    path(archive, views.archive_page, name="archive-page"),
    path(archive + "documents/", views.archive_documents_page, name="archive-documents-page"),
    path(archive + "plaques/", views.archive_plaques_page, name="archive-plaques-page"),
]
