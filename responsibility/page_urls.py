from django.urls import path

from responsibility import views

urlpatterns = [
    path("oversight/", views.oversight_page, name="oversight-page"),
    path("sign/<int:document_id>/", views.document_sign_page, name="responsibility-sign-page"),
    path("sign/<int:document_id>/pdf/", views.document_pdf_page, name="responsibility-pdf-page"),
    path(
        "projects/<int:project_id>/defects/",
        views.defect_case_list_page,
        name="defect-case-list-page",
    ),
    path(
        "projects/<int:project_id>/defects/new/",
        views.defect_case_create_page,
        name="defect-case-create-page",
    ),
    path(
        "projects/<int:project_id>/defects/<int:case_id>/trace/",
        views.defect_trace_page,
        name="defect-trace-page",
    ),
    path(
        "projects/<int:project_id>/defects/<int:case_id>/",
        views.defect_case_page,
        name="defect-case-page",
    ),
]
