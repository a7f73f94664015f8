from django.urls import path

from inspections import archive_views, views

project = "projects/<int:project_id>/"
unit_work = project + "unit-works/<int:unit_work_id>/"
record = project + "acceptance-records/<int:record_id>/"

urlpatterns = [
    path(unit_work + "records/", views.record_tree_page, name="record-tree-page"),
    path(unit_work + "records/new/", views.record_create_page, name="record-create-page"),
    path(record, views.record_page, name="record-page"),
    path(record + "photos/", views.record_photos_page, name="record-photos-page"),
    path(
        project + "archive/acceptance/",
        archive_views.archive_acceptance_page,
        name="archive-acceptance-page",
    ),
]
