"""A project's archive package: export, progress, download, how to verify it offline."""

from django.urls import path

from responsibility import package_views as views

urlpatterns = [
    path("projects/<int:project_id>/package/", views.package_page, name="package-page"),
    path(
        "projects/<int:project_id>/package/exports/",
        views.package_export_start,
        name="package-export-start",
    ),
    path(
        "projects/<int:project_id>/package/exports/<int:export_id>/",
        views.package_export_status,
        name="package-export-status",
    ),
    path(
        "projects/<int:project_id>/package/exports/<int:export_id>/download/",
        views.package_export_download,
        name="package-export-download",
    ),
    path(
        "projects/<int:project_id>/package/verify_package.py",
        views.package_verifier_download,
        name="package-verifier-download",
    ),
]
