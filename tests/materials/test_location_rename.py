"""A location keeps its name once a usage names it (projects.services.location_rename, the
set-up page's rename): here because the usage needs the materials fixtures."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from projects import services as project_services


def test_a_location_named_by_a_usage_cannot_be_renamed(used_cable, floor, alice, leo):
    with pytest.raises(ValidationError, match="already named by records"):
        project_services.location_rename(location=floor, name="五层", actor=leo)
    floor.refresh_from_db()
    assert floor.name == "5层"

    client = Client()
    client.force_login(alice)
    url = reverse("location-tree-page", args=[floor.unit_work.project_id, floor.unit_work_id])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "named by records" in page
    refused = client.post(url, {"rename": floor.pk, f"rename-{floor.pk}-name": "五层"})
    assert refused.status_code == 400
    floor.refresh_from_db()
    assert floor.name == "5层"
