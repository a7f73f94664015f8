"""Who can do what with acceptance records and their photos, as a table: every endpoint and
the photo page, for the operator, a member who keeps the records, a read-only member, the
regulator of the project's jurisdiction, a regulator elsewhere, an outsider of another
project, and nobody signed in. Nothing is written on a refusal.

(This app's conftest has its own ``sam`` and ``dan``, leads of the project: the regulator
elsewhere here is rita, the outsider charlie.)"""

import pytest

from inspections import services
from inspections.models import Photo
from ledger.models import LedgerEntry
from tests.inspections import photos

NOT_FOUND = "Not found, or you do not have access to it."
READ_ONLY_MEMBER = "Only site supervisors and project leads can change this project's records."
READ_ONLY_REGULATOR = "Regulators have read-only access to projects."

ACTORS = ("admin", "alice", "olga", "reggie", "rita", "charlie", None)

# Expected status by actor, in the order of ACTORS.
READ = (200, 200, 200, 200, 404, 404, 403)
DOWNLOAD = (302, 302, 302, 302, 404, 404, 403)
# The bodies are refused as invalid once access is granted (400): access is checked first,
# so an allowed actor gets 400, a refused one 403 or 404, and nothing is written either way.
WRITE = (400, 400, 403, 403, 404, 404, 403)
# Signing needs only sight of the record (the owner's lead is a read-only member who signs);
# the service then decides who must sign. The wrong password is refused for everyone.
SIGN = (400, 400, 400, 400, 404, 404, 403)

ENDPOINTS = [
    # name, method, url, body, expected
    ("records", "get", "records", None, READ),
    ("record", "get", "record", None, READ),
    ("record_photos", "get", "record_photos", None, READ),
    ("project_photos", "get", "project_photos", None, READ),
    ("photo_file", "get", "photo_file", None, DOWNLOAD),
    ("record_create", "post", "records", {"level": "no_such_level"}, WRITE),
    ("record_update", "patch", "record", {"date": "not a date"}, WRITE),
    ("submit", "post", "submit", {}, WRITE),  # already submitted
    ("return", "post", "return", {"reasons": " "}, WRITE),
    ("accept", "post", "accept", {}, WRITE),  # not signed yet
    ("sign", "post", "sign", {"password": "wrong"}, SIGN),
    ("photo_upload", "post", "record_photos", {"caption": "x"}, WRITE),  # no files
]


@pytest.fixture
def lot(tree, alice):
    """An inspection lot submitted for acceptance, with one photo."""
    lot = services.record_submit(record=tree["lot"], actor=alice)
    services.photo_ingest(
        subject=lot, fileobj=photos.named(photos.jpeg(size=(64, 48)), "a.jpg"), actor=alice
    )
    return lot


def urls(project, lot):
    records = f"/api/v1/projects/{project.pk}/acceptance-records/"
    record = f"{records}{lot.pk}/"
    photo = Photo.objects.get(project=project, subject_id=lot.pk)
    return {
        "records": records,
        "record": record,
        "submit": record + "submit/",
        "return": record + "return/",
        "accept": record + "accept/",
        "sign": record + "sign/",
        "record_photos": record + "photos/",
        "project_photos": f"/api/v1/projects/{project.pk}/photos/",
        "photo_file": f"/api/v1/projects/{project.pk}/photos/{photo.pk}/original/",
    }


@pytest.mark.parametrize("actor", ACTORS)
def test_who_can_do_what(api_as, project, lot, actor):
    """One actor against every endpoint (the records are built once per actor: the bodies
    are refused as invalid, so no request changes what the next one finds)."""
    client = api_as(actor)
    column = ACTORS.index(actor)
    targets = urls(project, lot)
    wrong = []
    for name, method, url, body, statuses in ENDPOINTS:
        expected = statuses[column]
        entries = LedgerEntry.objects.count()
        state = lot.state
        form = "multipart" if url == "record_photos" else "json"
        if body is None:
            response = getattr(client, method)(targets[url])
        else:
            response = getattr(client, method)(targets[url], body, format=form)
        detail = response.json().get("detail") if response.status_code >= 400 else None
        if expected == 404:
            message = NOT_FOUND
        elif expected == 403 and actor == "olga":
            message = READ_ONLY_MEMBER
        elif expected == 403 and actor == "reggie":
            message = READ_ONLY_REGULATOR
        else:
            message = None
        if response.status_code != expected:
            wrong.append(f"{name}: {response.status_code}, expected {expected}: {detail}")
        elif message is not None and detail != message:
            wrong.append(f"{name}: {expected} says {detail!r}, not {message!r}")
        lot.refresh_from_db()
        if expected >= 400 and (LedgerEntry.objects.count(), lot.state) != (entries, state):
            wrong.append(f"{name}: refused, but something was written")
    assert wrong == []


PAGE = {"admin": 302, "alice": 302, "olga": 302, "reggie": 302, "rita": 404, "charlie": 404}


@pytest.mark.parametrize(("actor", "expected"), PAGE.items())
def test_who_can_open_a_records_photo_page(client, actors, project, lot, actor, expected):
    """The page asks the same helper as the API (``record_for_user``) before it sends those
    who may see the record on to its photos, on the record's page."""
    client.force_login(actors[actor])
    response = client.get(f"/projects/{project.pk}/acceptance-records/{lot.pk}/photos/")
    assert response.status_code == expected
    if expected == 302:
        page = client.get(response["Location"])
        assert lot.title in page.content.decode()


def test_nobody_signed_in_is_sent_to_sign_in_from_the_photo_page(client, project, lot):
    response = client.get(f"/projects/{project.pk}/acceptance-records/{lot.pk}/photos/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_record_of_another_project_is_not_found_through_this_one(
    api_as, project, other_project, lot
):
    """A record is looked up within the project of the URL: naming it under a project the
    user may see, but that it does not belong to, finds nothing."""
    response = api_as("admin").get(
        f"/api/v1/projects/{other_project.pk}/acceptance-records/{lot.pk}/"
    )
    assert response.status_code == 404
    assert response.json()["detail"] == NOT_FOUND


def test_an_outsider_does_not_see_other_projects_records(api_as, project, tree, charlie):
    response = api_as("charlie").get(f"/api/v1/projects/{project.pk}/acceptance-records/")
    assert response.status_code == 404
    assert "Not found, or you do not have access to it." in response.json()["detail"]
