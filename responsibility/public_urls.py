from django.urls import path

from responsibility import views

urlpatterns = [
    path("p/<str:token>/", views.plaque_public, name="plaque-public"),
    path("p/<str:token>/proof.json", views.plaque_public_proof, name="plaque-public-proof"),
]
