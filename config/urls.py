from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

api_v1 = [
    path("", include("projects.urls")),
    path("", include("storage.urls")),
    path("ledger/", include("ledger.urls")),
    path("", include("responsibility.urls")),
    path("", include("materials.urls")),
    path("", include("inspections.urls")),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"

urlpatterns = [
    path("", include("work.urls")),
    path("admin/", admin.site.urls),
    path("api-auth/", include("rest_framework.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file of its own (?script), so
    # the page needs no inline script under the Content-Security-Policy.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("", include("projects.page_urls")),
    path("", include("projects.setup_urls")),
    path("", include("projects.label_urls")),
    path("", include("responsibility.public_urls")),
    path("", include("responsibility.page_urls")),
    path("", include("responsibility.plaque_urls")),
    path("", include("responsibility.lead_urls")),
    path("", include("responsibility.signer_urls")),
    path("", include("inspections.page_urls")),
    path("", include("materials.page_urls")),
    path("", include("materials.recall_urls")),
    path("", include("responsibility.archive_urls")),
    path("", include("responsibility.package_urls")),
    path("", include("projects.audit_urls")),
]
