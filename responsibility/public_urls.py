from django.urls import path

from responsibility import views

urlpatterns = [
    path("p/<str:token>/", views.plaque_public, name="plaque-public"),
]
