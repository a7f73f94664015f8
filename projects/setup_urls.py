"""Set-up pages for owners and operators (projects/setup_views.py)."""

from django.urls import path

from projects import setup_views as views

setup = "projects/<int:project_id>/setup/"

urlpatterns = [
    path("projects/new/", views.project_create_page, name="project-create-page"),
    path(setup, views.project_setup_page, name="project-setup-page"),
    path(setup + "gates/<str:gate>/", views.project_gate, name="project-gate"),
    path(setup + "unit-works/new/", views.unit_work_create_page, name="unit-work-create-page"),
    path(
        setup + "unit-works/<int:unit_work_id>/locations/",
        views.location_tree_page,
        name="location-tree-page",
    ),
    path(setup + "parties/new/", views.party_create_page, name="party-create-page"),
    path(setup + "people/new/", views.person_create_page, name="person-create-page"),
    path(setup + "leads/new/", views.lead_open_page, name="lead-open-page"),
    path("checks/credit-code/", views.credit_code_check, name="credit-code-check"),
    path("checks/id-number/", views.id_number_check, name="id-number-check"),
]
