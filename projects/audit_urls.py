"""The audit log and the audited reveal of a person's ID or phone number."""

from django.urls import path

from config.views import not_built_yet

urlpatterns = [
    path("audit/", not_built_yet, name="audit-log-page"),
    path("people/<int:person_id>/reveal/", not_built_yet, name="person-reveal-page"),
]
