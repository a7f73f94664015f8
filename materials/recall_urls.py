"""Recall notices: create, see the hits, track each project's action to closure."""

from django.urls import path

from materials import recall_views as views

notice = "recalls/<int:notice_id>/"

urlpatterns = [
    path("recalls/", views.recall_list_page, name="recall-list-page"),
    path("recalls/new/", views.recall_create_page, name="recall-create-page"),
    path(notice, views.recall_page, name="recall-page"),
    path(notice + "hits.csv", views.recall_hits_csv, name="recall-hits-csv-page"),
    path(
        notice + "actions/<int:action_id>/",
        views.recall_action_page,
        name="recall-action-page",
    ),
]
