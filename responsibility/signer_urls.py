from django.urls import path

from responsibility import signer_views

urlpatterns = [
    path("documents/", signer_views.my_documents_page, name="my-documents-page"),
    path("verify/", signer_views.verify_pdf_page, name="verify-pdf-page"),
]
