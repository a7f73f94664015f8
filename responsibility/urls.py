from django.urls import path

from responsibility import api

documents = "projects/<int:project_id>/responsibility-documents/"
document = documents + "<int:document_id>/"

plaque = "projects/<int:project_id>/unit-works/<int:unit_work_id>/plaque/"

defect_cases = "projects/<int:project_id>/defect-cases/"
defect_case = defect_cases + "<int:case_id>/"

urlpatterns = [
    path(defect_cases, api.DefectCaseListApi.as_view(), name="defect-case-list"),
    path(defect_case, api.DefectCaseDetailApi.as_view(), name="defect-case-detail"),
    path(defect_case + "close/", api.DefectCaseCloseApi.as_view(), name="defect-case-close"),
    path(defect_case + "photos/", api.DefectCasePhotoApi.as_view(), name="defect-case-photos"),
    path(defect_case + "trace/", api.DefectCaseTraceApi.as_view(), name="defect-case-trace"),
    path(defect_case + "trace.pdf", api.DefectCaseTracePdfApi.as_view(), name="defect-case-pdf"),
    path(
        defect_case + "files/<int:object_id>/",
        api.DefectCaseFileApi.as_view(),
        name="defect-case-file",
    ),
    path(plaque, api.PlaqueApi.as_view(), name="plaque-detail"),
    path(plaque + "freeze/", api.PlaqueFreezeApi.as_view(), name="plaque-freeze"),
    path(plaque + "pdf/", api.PlaquePdfApi.as_view(), name="plaque-pdf"),
    path(plaque + "installations/", api.PlaqueInstallationApi.as_view(), name="plaque-install"),
    path(
        plaque + "photos/<int:photo_id>/<str:variant>/",
        api.PlaquePhotoFileApi.as_view(),
        name="plaque-installation-photo-file",
    ),
    path("signing/reauthenticate/", api.ReauthenticateApi.as_view(), name="signing-reauth"),
    path("signed-pdfs/verify/", api.SignedPdfVerifyApi.as_view(), name="signed-pdf-verify"),
    path(documents, api.DocumentListApi.as_view(), name="responsibility-document-list"),
    path(document, api.DocumentDetailApi.as_view(), name="responsibility-document-detail"),
    path(document + "sign/", api.DocumentSignApi.as_view(), name="responsibility-document-sign"),
    path(
        document + "correct/",
        api.DocumentCorrectApi.as_view(),
        name="responsibility-document-correct",
    ),
    path(document + "pdf/", api.DocumentPdfApi.as_view(), name="responsibility-document-pdf"),
    path(
        "lead-changes/overdue/", api.OverdueLeadChangeListApi.as_view(), name="lead-change-overdue"
    ),
    path(
        "projects/<int:project_id>/lead-changes/",
        api.LeadChangeListApi.as_view(),
        name="lead-change-list",
    ),
    path(
        "projects/<int:project_id>/responsibility-gaps/",
        api.ResponsibilityGapsApi.as_view(),
        name="responsibility-gaps",
    ),
    path("oversight/", api.OversightApi.as_view(), name="oversight"),
    path(
        "projects/<int:project_id>/archive-package/",
        api.ArchivePackageApi.as_view(),
        name="archive-package",
    ),
]
