from django.urls import path

from work import views

urlpatterns = [
    path("", views.home, name="home"),
    path("projects/", views.project_list_page, name="project-list-page"),
    path("projects/<int:project_id>/", views.project_page, name="project-page"),
]
