from django.urls import path

from responsibility.api import defects, lead_changes, oversight, packages, plaques
from responsibility.api import documents as documents_api

documents = "projects/<int:project_id>/responsibility-documents/"
document = documents + "<int:document_id>/"

plaque = "projects/<int:project_id>/unit-works/<int:unit_work_id>/plaque/"

defect_cases = "projects/<int:project_id>/defect-cases/"
defect_case = defect_cases + "<int:case_id>/"

urlpatterns = [
    path(defect_cases, defects.DefectCaseListApi.as_view(), name="defect-case-list"),
    path(defect_case, defects.DefectCaseDetailApi.as_view(), name="defect-case-detail"),
    path(defect_case + "close/", defects.DefectCaseCloseApi.as_view(), name="defect-case-close"),
    path(defect_case + "photos/", defects.DefectCasePhotoApi.as_view(), name="defect-case-photos"),
    path(defect_case + "trace/", defects.DefectCaseTraceApi.as_view(), name="defect-case-trace"),
    path(
        defect_case + "trace.pdf", defects.DefectCaseTracePdfApi.as_view(), name="defect-case-pdf"
    ),
    path(
        defect_case + "files/<int:object_id>/",
        defects.DefectCaseFileApi.as_view(),
        name="defect-case-file",
    ),
    path(plaque, plaques.PlaqueApi.as_view(), name="plaque-detail"),
    path(plaque + "freeze/", plaques.PlaqueFreezeApi.as_view(), name="plaque-freeze"),
    path(plaque + "pdf/", plaques.PlaquePdfApi.as_view(), name="plaque-pdf"),
    path(plaque + "installations/", plaques.PlaqueInstallationApi.as_view(), name="plaque-install"),
    path(
        plaque + "photos/<int:photo_id>/<str:variant>/",
        plaques.PlaquePhotoFileApi.as_view(),
        name="plaque-installation-photo-file",
    ),
    path(
        "signing/reauthenticate/", documents_api.ReauthenticateApi.as_view(), name="signing-reauth"
    ),
    path(
        "signed-pdfs/verify/", documents_api.SignedPdfVerifyApi.as_view(), name="signed-pdf-verify"
    ),
    path(documents, documents_api.DocumentListApi.as_view(), name="responsibility-document-list"),
    path(
        document, documents_api.DocumentDetailApi.as_view(), name="responsibility-document-detail"
    ),
    path(
        document + "sign/",
        documents_api.DocumentSignApi.as_view(),
        name="responsibility-document-sign",
    ),
    path(
        document + "correct/",
        documents_api.DocumentCorrectApi.as_view(),
        name="responsibility-document-correct",
    ),
    path(
        document + "pdf/",
        documents_api.DocumentPdfApi.as_view(),
        name="responsibility-document-pdf",
    ),
    path(
        "lead-changes/overdue/",
        lead_changes.OverdueLeadChangeListApi.as_view(),
        name="lead-change-overdue",
    ),
    path(
        "projects/<int:project_id>/lead-changes/",
        lead_changes.LeadChangeListApi.as_view(),
        name="lead-change-list",
    ),
    path(
        "projects/<int:project_id>/responsibility-gaps/",
        documents_api.ResponsibilityGapsApi.as_view(),
        name="responsibility-gaps",
    ),
    path("oversight/", oversight.OversightApi.as_view(), name="oversight"),
    path(
        "projects/<int:project_id>/archive-package/",
        packages.ArchivePackageApi.as_view(),
        name="archive-package",
    ),
    path(
        "projects/<int:project_id>/archive-package/exports/",
        packages.ArchivePackageExportsApi.as_view(),
        name="archive-package-exports",
    ),
    path(
        "projects/<int:project_id>/archive-package/exports/<int:export_id>/",
        packages.ArchivePackageExportApi.as_view(),
        name="archive-package-export",
    ),
    path(
        "projects/<int:project_id>/archive-package/exports/<int:export_id>/download/",
        packages.ArchivePackageExportDownloadApi.as_view(),
        name="archive-package-export-download",
    ),
]
