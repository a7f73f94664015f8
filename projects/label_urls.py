"""Location labels and the scanner that reads them (projects/label_views.py)."""

from django.urls import path

from projects import label_views as views

urlpatterns = [
    path(
        "projects/<int:project_id>/setup/unit-works/<int:unit_work_id>/locations/labels.pdf",
        views.location_labels_pdf,
        name="location-labels-pdf",
    ),
    path("projects/<int:project_id>/scan/", views.location_scan_page, name="location-scan-page"),
]
