"""Download links of letters, pledges, plaques and defect cases behave like every other file
link: a redirect to a link of S3_PRESIGNED_SECONDS, never cached, telling the object store
nothing about the page it came from (storage/downloads.py)."""

from __future__ import annotations

import urllib.request
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from projects.models import Role
from tests.responsibility.conftest import client_for, sign_all
from tests.responsibility.defect_data import cases_url, open_body
from tests.responsibility.test_plaques import accepted, plaque_url, unit_work  # noqa: F401
from tests.responsibility.test_trace import files

pytestmark = pytest.mark.django_db


def link_seconds(response) -> int:
    """The lifetime the presigned link in a download redirect was signed for."""
    assert response.status_code == 302, getattr(response, "content", b"")[:300]
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    return int(parse_qs(urlsplit(response["Location"]).query)["X-Amz-Expires"][0])


def fetched(response) -> bytes:
    with urllib.request.urlopen(response["Location"], timeout=10) as body:  # noqa: S310 - our S3
        return body.read()


def test_a_signed_pledge_pdf_link_lives_as_long_as_every_other_download(project, signers, settings):
    settings.S3_PRESIGNED_SECONDS = 77
    sign_all(project, signers)
    lead = signers[Role.CONTRACTOR]["lead"]
    api = client_for(lead)
    documents = api.get(f"/api/v1/projects/{project.pk}/responsibility-documents/").json()
    pledge = next(
        d
        for d in documents["results"]
        if d["role"] == "contractor" and d["kind"] == "pledge" and d["signed_at"]
    )

    response = api.get(
        f"/api/v1/projects/{project.pk}/responsibility-documents/{pledge['id']}/pdf/"
    )
    assert link_seconds(response) == 77
    assert fetched(response).startswith(b"%PDF")
    page = api.get(f"/sign/{pledge['id']}/pdf/")
    assert link_seconds(page) == 77
    assert f"{pledge['number']}.pdf" in unquote(page["Location"])


def test_a_plaque_pdf_link_lives_as_long_as_every_other_download(
    accepted,  # noqa: F811
    project,
    unit_work,  # noqa: F811
    api_as,
):
    response = api_as("reggie").get(plaque_url(project, unit_work) + "pdf/")
    assert link_seconds(response) == 120
    assert fetched(response).startswith(b"%PDF")


def test_a_defect_case_file_link_lives_as_long_as_every_other_download(
    api_as, project, site, settings
):
    settings.S3_PRESIGNED_SECONDS = 45
    created = api_as("alice").post(cases_url(project), open_body(site), format="json")
    assert created.status_code == 201, created.json()
    trace = api_as("olga").get(cases_url(project, created.json(), "trace/")).json()
    links = list(files(trace))
    assert links
    for link in links:
        assert link_seconds(api_as("olga").get(link["url"])) == 45


def test_other_downloads_use_the_same_lifetime(api_as, project, site, settings):
    settings.S3_PRESIGNED_SECONDS = 33
    photo = site["photo"]
    response = api_as("reggie").get(f"/api/v1/projects/{project.pk}/photos/{photo.pk}/original/")
    assert link_seconds(response) == 33
