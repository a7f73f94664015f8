from django.urls import path

from materials import api

project = "projects/<int:project_id>/"
delivery = project + "deliveries/<int:delivery_id>/"
notice = "defect-notices/<int:notice_id>/"
action = notice + "actions/<int:action_id>/"

urlpatterns = [
    path(
        "material-categories/", api.MaterialCategoryListApi.as_view(), name="material-category-list"
    ),
    path("batches/", api.BatchListApi.as_view(), name="batch-list"),
    path("batches/<int:batch_id>/", api.BatchDetailApi.as_view(), name="batch-detail"),
    path("batches/<int:batch_id>/files/", api.BatchFileApi.as_view(), name="batch-file"),
    path(
        "batches/<int:batch_id>/files/<str:document>/",
        api.BatchFileDownloadApi.as_view(),
        name="batch-file-download",
    ),
    path("blocked-deliveries/", api.DeliveryBlockedListApi.as_view(), name="delivery-blocked-list"),
    path(project + "deliveries/", api.DeliveryListApi.as_view(), name="delivery-list"),
    path(delivery, api.DeliveryDetailApi.as_view(), name="delivery-detail"),
    path(delivery + "accept/", api.DeliveryAcceptApi.as_view(), name="delivery-accept"),
    path(delivery + "reject/", api.DeliveryRejectApi.as_view(), name="delivery-reject"),
    path(delivery + "photos/", api.DeliveryPhotoApi.as_view(), name="delivery-photo"),
    path(
        delivery + "photos/<int:photo_id>/download/",
        api.DeliveryPhotoDownloadApi.as_view(),
        name="delivery-photo-download",
    ),
    path(
        delivery + "photos/<int:photo_id>/<str:variant>/",
        api.DeliveryPhotoDownloadApi.as_view(),
        name="delivery-photo-file",
    ),
    path(delivery + "samples/", api.SampleListApi.as_view(), name="sample-list"),
    path(
        delivery + "samples/<int:sample_id>/report/",
        api.SampleReportApi.as_view(),
        name="sample-report",
    ),
    path(project + "usages/", api.UsageListApi.as_view(), name="usage-list"),
    path(
        project + "usages/<int:usage_id>/acceptance-record/",
        api.UsageAcceptanceApi.as_view(),
        name="usage-acceptance-record",
    ),
    path(project + "witness-share/", api.WitnessShareApi.as_view(), name="witness-share"),
    path("defect-notices/", api.DefectNoticeListApi.as_view(), name="defect-notice-list"),
    path(notice, api.DefectNoticeDetailApi.as_view(), name="defect-notice-detail"),
    path(notice + "hits/", api.NoticeHitListApi.as_view(), name="defect-notice-hits"),
    path(notice + "hits.csv", api.NoticeHitCsvApi.as_view(), name="defect-notice-hits-csv"),
    path(notice + "report.pdf", api.NoticeReportPdfApi.as_view(), name="defect-notice-report"),
    path(notice + "actions/", api.RecallActionListApi.as_view(), name="recall-action-list"),
    path(action + "evidence/", api.RecallEvidenceApi.as_view(), name="recall-evidence"),
    path(
        action + "evidence/<int:evidence_id>/download/",
        api.RecallEvidenceDownloadApi.as_view(),
        name="recall-evidence-download",
    ),
    path(action + "close/", api.RecallActionCloseApi.as_view(), name="recall-action-close"),
]
