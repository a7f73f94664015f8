"""Recall notices: create, see the hits, track each project's action to closure."""

from django.urls import path

from config.views import not_built_yet

notice = "recalls/<int:notice_id>/"

urlpatterns = [
    path("recalls/", not_built_yet, name="recall-list-page"),
    path("recalls/new/", not_built_yet, name="recall-create-page"),
    path(notice, not_built_yet, name="recall-page"),
    path(notice + "actions/<int:action_id>/", not_built_yet, name="recall-action-page"),
]
