"""A project's archive package: export, progress, download, how to verify it offline."""

from django.urls import path

from responsibility import package_views as views

urlpatterns = [
    path("projects/<int:project_id>/package/", views.package_page, name="package-page"),
    path(
        "projects/<int:project_id>/package/verify_package.py",
        views.package_verifier_download,
        name="package-verifier-download",
    ),
]
