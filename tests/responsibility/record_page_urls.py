"""The site's URLs plus a stand-in for the acceptance record's page ("record-page", built by
the inspections pages), so the plaque page's links to it can be tested before they merge."""

from django.http import HttpResponse
from django.urls import include, path

urlpatterns = [
    path("", include("config.urls")),
    path(
        "projects/<int:project_id>/acceptance-records/<int:record_id>/",
        lambda request, **kwargs: HttpResponse(),
        name="record-page",
    ),
]
