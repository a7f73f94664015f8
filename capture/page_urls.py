from django.urls import path

from capture import views

project = "projects/<int:project_id>/"

urlpatterns = [
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.web_manifest, name="web-manifest"),
    path("capture/queue/", views.queue_page, name="capture-queue-page"),
    path(project + "capture/", views.capture_page, name="capture-page"),
    path(
        project + "locations/<int:location_id>/capture/",
        views.capture_page,
        name="capture-location-page",
    ),
]
