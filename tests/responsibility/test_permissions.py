"""Who can do what with letters and pledges, plaques, defect cases, the archive package and
the oversight lists, as a table: (method, endpoint) × actor → status, and nothing written on
a refusal.

Writes send a body that would be refused as invalid if access were granted, or ask for
something the archive refuses anyway (a draft's PDF, freezing a frozen plaque): access is
checked first, so an allowed actor gets 400 and a refused one 403 or 404, with the access
helper's message. Discarding the draft is the one write that succeeds: it comes last.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.test import Client

from inspections.models import Photo
from ledger.models import LedgerEntry
from ledger.services import ledger_append
from projects.models import Project, Role
from responsibility import defects, plaques
from responsibility import services as responsibility
from tests.responsibility.defect_data import build_site, named
from tests.storage.samples import jpeg

ACTORS = ("admin", "alice", "leo", "olga", "reggie", "rita", "dan", "charlie", "sam", None)

# What each actor is: the operator; two members who keep the records (alice the site
# supervisor, leo the contractor's lead); olga the owner's legal representative, a read-only
# member who signs the owner's letter; reggie the regulator of the project's jurisdiction;
# rita and dan regulators elsewhere; charlie and sam members of other projects; anonymous.
TABLE = [
    # method, endpoint, then one status per actor in ACTORS:
    #  admin alice  leo  olga reggie rita  dan charlie sam  None
    ("get", "documents", (200, 200, 200, 200, 200, 404, 404, 404, 404, 403)),
    ("post", "documents", (400, 400, 400, 400, 403, 404, 404, 404, 404, 403)),
    ("get", "document", (200, 200, 200, 200, 200, 404, 404, 404, 404, 403)),
    ("patch", "document", (400, 400, 400, 403, 403, 404, 404, 404, 404, 403)),
    ("post", "sign", (403, 403, 403, 400, 403, 404, 404, 404, 404, 403)),
    ("post", "correct", (400, 400, 400, 403, 403, 404, 404, 404, 404, 403)),
    ("get", "document_pdf", (400, 400, 400, 400, 400, 404, 404, 404, 404, 403)),
    ("get", "gaps", (200, 200, 200, 200, 200, 404, 404, 404, 404, 403)),
    ("post", "reauthenticate", (400, 400, 400, 400, 400, 400, 400, 400, 400, 403)),
    ("post", "verify", (400, 400, 400, 400, 400, 400, 400, 400, 400, 403)),
    ("get", "lead_changes", (200, 200, 200, 200, 200, 404, 404, 404, 404, 403)),
    ("get", "overdue_lead_changes", (200, 200, 200, 200, 200, 200, 200, 200, 200, 403)),
    ("get", "plaque", (200, 200, 200, 200, 200, 404, 404, 404, 404, 403)),
    ("post", "plaque_freeze", (400, 400, 400, 403, 403, 404, 404, 404, 404, 403)),
    ("get", "plaque_pdf", (302, 302, 302, 302, 302, 404, 404, 404, 404, 403)),
    ("post", "plaque_installations", (400, 400, 400, 403, 403, 404, 404, 404, 404, 403)),
    ("get", "cases", (200, 200, 200, 200, 200, 404, 404, 404, 404, 403)),
    ("post", "cases", (400, 400, 400, 403, 400, 404, 404, 404, 404, 403)),
    ("get", "case", (200, 200, 200, 200, 200, 404, 404, 404, 404, 403)),
    ("post", "case_close", (400, 403, 403, 403, 400, 404, 404, 404, 404, 403)),
    ("post", "case_photos", (400, 400, 400, 403, 400, 404, 404, 404, 404, 403)),
    ("get", "case_trace", (200, 200, 200, 200, 200, 404, 404, 404, 404, 403)),
    ("get", "case_trace_pdf", (200, 200, 200, 200, 200, 404, 404, 404, 404, 403)),
    ("get", "case_file", (302, 302, 302, 302, 302, 404, 404, 404, 404, 403)),
    ("get", "archive_package", (200, 200, 200, 200, 200, 404, 404, 404, 404, 403)),
    ("get", "oversight", (200, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    ("delete", "document", (204, 204, 204, 403, 403, 404, 404, 404, 404, 403)),
]

NOT_FOUND = "Not found, or you do not have access to it."
CHANGE = "Only site supervisors and project leads can change this project's records."
READ_ONLY = "Regulators have read-only access to projects."
OPEN = (
    "Only site supervisors, project leads, the project's regulators and operators open"
    " defect cases."
)
# The message of each refusal with 403 (anonymous requests aside): (endpoint, actor) first,
# then the endpoint's own.
REFUSALS = {
    "documents": (
        "Only site supervisors, project leads and the signers prepare letters and pledges."
    ),
    "document": CHANGE,
    "correct": CHANGE,
    "sign": "Only 周秀英 can sign this document; it cannot be signed for them.",
    ("plaque_freeze", "olga"): CHANGE,
    ("plaque_freeze", "reggie"): READ_ONLY,
    ("plaque_installations", "olga"): CHANGE,
    ("plaque_installations", "reggie"): READ_ONLY,
    "cases": OPEN,
    "case_photos": OPEN,
    "case_close": "Only the project's regulators and archive operators close a defect case.",
    "oversight": "The oversight lists are for regulators and archive operators.",
}

INVALID_BODY = {"role": "no_such_role", "kind": "no_such_kind", "unit_work": "none", "text": "x"}


@pytest.fixture
def world(project, admin, olga, api_as):
    """A completed 3号楼 with its plaque, the owner's letter (a draft, for olga to sign), a
    defect case and a photo in it."""
    letter = responsibility.document_prepare(
        project=project, role=Role.OWNER, kind="letter", actor=admin
    )
    unit_work, _unit, (floor, _other) = build_site(project, admin)
    # Straight to completion acceptance, past the gates (tested in their own modules), but in
    # the ledger like any stage change.
    with transaction.atomic():
        project.stage = Project.Stage.COMPLETION_ACCEPTED
        project.save(update_fields=["stage"])
        ledger_append(record=project, action="state", actor=admin)
    plaques.plaque_freeze(unit_work=unit_work, actor=admin)
    case = defects.defect_case_open(
        project=project,
        unit_work=unit_work,
        location=floor,
        discovered_on=datetime.date(2026, 3, 2),
        description="5层楼板出现裂缝",
        category="structure",
        trigger="serious_problem",
        actor=admin,
    )
    p = f"/api/v1/projects/{project.pk}"
    case_url = f"{p}/defect-cases/{case.pk}/"
    photo = api_as("admin").post(
        case_url + "photos/", {"file": named(jpeg(), "crack.jpg")}, format="multipart"
    )
    assert photo.status_code == 201, photo.json()
    original_id = Photo.objects.get(pk=photo.json()["id"]).original_id
    document = f"{p}/responsibility-documents/{letter.pk}/"
    plaque = f"{p}/unit-works/{unit_work.pk}/plaque/"
    return {
        "letter": letter,
        "urls": {
            "documents": f"{p}/responsibility-documents/",
            "document": document,
            "sign": document + "sign/",
            "correct": document + "correct/",
            "document_pdf": document + "pdf/",
            "gaps": f"{p}/responsibility-gaps/",
            "reauthenticate": "/api/v1/signing/reauthenticate/",
            "verify": "/api/v1/signed-pdfs/verify/",
            "lead_changes": f"{p}/lead-changes/",
            "overdue_lead_changes": "/api/v1/lead-changes/overdue/",
            "plaque": plaque,
            "plaque_freeze": plaque + "freeze/",
            "plaque_pdf": plaque + "pdf/",
            "plaque_installations": plaque + "installations/",
            "cases": f"{p}/defect-cases/",
            "case": case_url,
            "case_close": case_url + "close/",
            "case_photos": case_url + "photos/",
            "case_trace": case_url + "trace/",
            "case_trace_pdf": case_url + "trace.pdf",
            "case_file": f"{case_url}files/{original_id}/",
            "archive_package": f"{p}/archive-package/",
            "oversight": "/api/v1/oversight/",
        },
    }


def _send(client, method, url):
    if method == "get":
        return client.get(url)
    if url.endswith(("/photos/", "/installations/", "/verify/")):
        return getattr(client, method)(url, {}, format="multipart")
    return getattr(client, method)(url, INVALID_BODY, format="json")


@pytest.mark.parametrize("actor", ACTORS)
def test_who_can_do_what_with_the_responsibility_records(api_as, world, actor):
    client = api_as(actor)  # dan and sam are made on first use: before counting
    column = ACTORS.index(actor)
    wrong = []
    for method, endpoint, statuses in TABLE:
        expected = statuses[column]
        entries_before = LedgerEntry.objects.count()
        response = _send(client, method, world["urls"][endpoint])
        got = response.status_code
        if got != expected:
            wrong.append((method, endpoint, expected, got, getattr(response, "data", None)))
            continue
        if got in (403, 404) and LedgerEntry.objects.count() != entries_before:
            wrong.append((method, endpoint, "nothing written", "ledger entries written"))
        if got == 404:
            message = NOT_FOUND
        elif got == 403 and actor is not None:
            message = REFUSALS.get((endpoint, actor), REFUSALS.get(endpoint))
        else:
            continue
        if response.json()["detail"] != message:
            wrong.append((method, endpoint, message, response.json()["detail"]))
    assert wrong == []


def test_the_draft_is_discarded_only_by_those_who_keep_the_records(api_as, world):
    """The table's last row, seen from the archive: after a refusal the draft is there."""
    letter = world["letter"]
    assert api_as("olga").delete(world["urls"]["document"]).status_code == 403
    assert type(letter).objects.filter(pk=letter.pk).exists()
    assert api_as("alice").delete(world["urls"]["document"]).status_code == 204
    assert not type(letter).objects.filter(pk=letter.pk).exists()


PAGES = [
    # actor, expected status of the signing page of the owner's letter
    ("olga", 200),
    ("alice", 200),
    ("reggie", 200),
    ("admin", 200),
    ("rita", 404),
    ("dan", 404),
    ("charlie", 404),
    ("sam", 404),
]


@pytest.mark.parametrize(("actor", "expected"), PAGES)
def test_the_signing_page_is_shown_to_those_who_see_the_document(
    request, world, actor, expected, actors
):
    user = actors[actor] if actor in actors else request.getfixturevalue(actor)
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(user)
    letter = world["letter"]
    assert page.get(f"/sign/{letter.pk}/").status_code == expected
    # A draft has no PDF yet: not found for everyone.
    assert page.get(f"/sign/{letter.pk}/pdf/").status_code == 404
