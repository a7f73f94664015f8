from django.urls import path

from ledger import api

app_name = "ledger"

urlpatterns = [
    path("checkpoints/latest/", api.CheckpointLatestView.as_view(), name="checkpoint-latest"),
    path("entries/", api.EntryListView.as_view(), name="entry-list"),
    path("entries/<int:index>/proof/", api.EntryProofView.as_view(), name="entry-proof"),
    path("consistency/", api.ConsistencyView.as_view(), name="consistency"),
]
