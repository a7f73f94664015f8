"""A project's leads: tenures, changes of lead, their letters and pledges (lead_views.py)."""

from django.urls import path

from responsibility import lead_views as views

leads = "projects/<int:project_id>/leads/"

urlpatterns = [
    path(leads, views.lead_timeline_page, name="lead-timeline-page"),
    path(leads + "<int:tenure_id>/change/", views.lead_change_page, name="lead-change-page"),
    path(
        leads + "documents/<str:role>/",
        views.lead_documents_prepare,
        name="lead-documents-prepare",
    ),
]
