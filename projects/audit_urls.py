"""The audit log and the audited reveal of a person's ID or phone number."""

from django.urls import path

from projects import audit_views as views

urlpatterns = [
    path("audit/", views.audit_log_page, name="audit-log-page"),
    path("people/<int:person_id>/reveal/", views.person_reveal_page, name="person-reveal-page"),
]
