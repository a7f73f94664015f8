from django.urls import path

from materials import archive_views, views

project = "projects/<int:project_id>/"

urlpatterns = [
    path(project + "deliveries/", views.delivery_list_page, name="delivery-list-page"),
    path(project + "deliveries/new/", views.delivery_create_page, name="delivery-create-page"),
    path(project + "deliveries/<int:delivery_id>/", views.delivery_page, name="delivery-page"),
    path(
        project + "deliveries/<int:delivery_id>/samples/new/",
        views.sample_create_page,
        name="sample-create-page",
    ),
    path(project + "samples/<int:sample_id>/", views.sample_page, name="sample-page"),
    path(project + "usages/", views.usage_list_page, name="usage-list-page"),
    path(project + "usages/new/", views.usage_create_page, name="usage-create-page"),
    path(project + "locations/<int:location_id>/", views.location_page, name="location-page"),
    path(
        project + "archive/materials/",
        archive_views.archive_materials_page,
        name="archive-materials-page",
    ),
]
