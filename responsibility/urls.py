from django.urls import path

from responsibility import api

documents = "projects/<int:project_id>/responsibility-documents/"
document = documents + "<int:document_id>/"

urlpatterns = [
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
]
