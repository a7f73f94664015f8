from django.urls import path

from responsibility import plaque_views

PLAQUE = "projects/<int:project_id>/unit-works/<int:unit_work_id>/plaque/"

urlpatterns = [
    path(PLAQUE, plaque_views.plaque_page, name="plaque-page"),
    path(f"{PLAQUE}freeze/", plaque_views.plaque_freeze_page, name="plaque-freeze-page"),
    path(f"{PLAQUE}print.pdf", plaque_views.plaque_pdf_page, name="plaque-pdf-page"),
    path(
        f"{PLAQUE}installations/",
        plaque_views.plaque_installation_page,
        name="plaque-installation-page",
    ),
]
