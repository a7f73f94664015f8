from django.urls import path

from capture import api

urlpatterns = [
    path("projects/<int:project_id>/captures/", api.CaptureApi.as_view(), name="capture-create"),
]
