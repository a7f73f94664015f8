from django.urls import path

from inspections import views

urlpatterns = [
    path(
        "projects/<int:project_id>/acceptance-records/<int:record_id>/photos/",
        views.record_photos_page,
        name="record-photos-page",
    ),
]
