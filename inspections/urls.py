from django.urls import path

from inspections import api

project = "projects/<int:project_id>/"
record = project + "acceptance-records/<int:record_id>/"

urlpatterns = [
    path(
        project + "acceptance-records/",
        api.RecordListApi.as_view(),
        name="acceptance-record-list",
    ),
    path(record, api.RecordDetailApi.as_view(), name="acceptance-record-detail"),
    path(record + "submit/", api.RecordSubmitApi.as_view(), name="acceptance-record-submit"),
    path(record + "return/", api.RecordReturnApi.as_view(), name="acceptance-record-return"),
    path(record + "sign/", api.RecordSignApi.as_view(), name="acceptance-record-sign"),
    path(record + "accept/", api.RecordAcceptApi.as_view(), name="acceptance-record-accept"),
    path(record + "photos/", api.RecordPhotoListApi.as_view(), name="acceptance-record-photos"),
    path(project + "photos/", api.ProjectPhotoListApi.as_view(), name="photo-list"),
    path(
        project + "photos/<int:photo_id>/<str:variant>/",
        api.PhotoFileApi.as_view(),
        name="photo-file",
    ),
]
