"""The letters-and-pledges list filters by state and by signer (``?state=unsigned&signer=me``)
and refuses, with the values it knows, what it does not: ``?status=draft`` used to be
silently ignored and answer with every document."""

from __future__ import annotations

import random

import pytest

from projects.models import Role
from responsibility import services
from responsibility.models import ResponsibilityDocument
from tests.responsibility.conftest import (
    client_for,
    documents_url,
    reauthenticate,
    sign,
    sign_as,
)


@pytest.fixture
def documents(project, signers, admin):
    """The contractor's letter and pledge signed, the pledge then corrected and the
    correction signed; every other role's letter and pledge awaiting signature."""
    contractor = signers[Role.CONTRACTOR]
    letter = sign_as(contractor["rep"], project, "contractor", "letter")
    pledge = sign_as(contractor["lead"], project, "contractor", "pledge")
    correction = services.document_correct(
        document=ResponsibilityDocument.objects.get(pk=pledge["id"]), actor=admin
    )
    lead = client_for(contractor["lead"])
    assert reauthenticate(lead).status_code == 204
    assert sign(lead, project, correction.pk).status_code == 200
    for role in (Role.OWNER, Role.SURVEY, Role.DESIGN, Role.SUPERVISOR):
        for kind in ("letter", "pledge"):
            services.document_prepare(project=project, role=role, kind=kind, actor=admin)
    return {"letter": letter["id"], "pledge": pledge["id"], "correction": correction.pk}


def numbers(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def test_a_lead_lists_what_they_must_sign(project, signers, documents):
    survey_lead = client_for(signers[Role.SURVEY]["lead"])

    mine = survey_lead.get(documents_url(project), {"state": "unsigned", "signer": "me"})

    expected = ResponsibilityDocument.objects.get(
        project=project, participation__role=Role.SURVEY, kind="pledge"
    )
    assert numbers(mine) == {expected.pk}
    assert mine.json()["results"][0]["status"] == "draft"


def test_the_legal_representative_lists_the_letters_they_sign(project, signers, olga, documents):
    mine = client_for(olga).get(documents_url(project), {"signer": "me"})

    letter = ResponsibilityDocument.objects.get(participation__role=Role.OWNER, kind="letter")
    assert numbers(mine) == {letter.pk}


def test_the_states_split_the_list_and_a_superseded_document_stays_listed(
    project, signers, alice, documents
):
    api = client_for(alice)
    every = numbers(api.get(documents_url(project)))

    unsigned = numbers(api.get(documents_url(project), {"state": "unsigned"}))
    signed = numbers(api.get(documents_url(project), {"state": "signed"}))
    superseded = numbers(api.get(documents_url(project), {"state": "superseded"}))

    assert len(unsigned) == 8
    assert signed == {documents["letter"], documents["correction"]}
    assert superseded == {documents["pledge"]}
    assert unsigned | signed | superseded == every
    lead = client_for(signers[Role.CONTRACTOR]["lead"])
    assert numbers(lead.get(documents_url(project), {"state": "signed", "signer": "me"})) == {
        documents["correction"]
    }
    assert numbers(lead.get(documents_url(project), {"state": "unsigned", "signer": "me"})) == set()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            {"status": "draft"},
            "status",
            "“status” is not a filter of this list; it takes: state, signer, page, format.",
        ),
        (
            {"state": "draft"},
            "state",
            "“draft” is not a value of this filter; use one of: unsigned, signed, superseded.",
        ),
        (
            {"signer": "42"},
            "signer",
            "“42” is not a value of this filter; use one of: me.",
        ),
    ],
)
def test_an_unknown_filter_or_value_is_refused_with_what_is_allowed(
    project, alice, documents, query, field, message
):
    response = client_for(alice).get(documents_url(project), query)

    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_a_filter_given_twice_is_refused(project, alice, documents):
    response = client_for(alice).get(f"{documents_url(project)}?state=signed&state=unsigned")

    assert response.status_code == 400
    assert response.json() == {"state": ["Give “state” once; this request gave it 2 times."]}


def test_the_refusal_is_in_chinese_by_default(project, alice, documents):
    api = client_for(alice)
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"

    response = api.get(documents_url(project), {"state": "draft"})

    assert response.status_code == 400
    assert "unsigned, signed, superseded" in response.json()["state"][0]
    assert "筛选" in response.json()["state"][0]


def test_an_outsider_learns_nothing_from_the_filters(project, charlie, documents):
    response = client_for(charlie).get(documents_url(project), {"state": "unsigned"})
    assert response.status_code == 404


def test_the_schema_lists_both_filters_with_their_values(alice, client):
    client.force_login(alice)
    schema = client.get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/projects/{project_id}/responsibility-documents/"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"] if p["in"] == "query"}
    assert parameters["state"] == {
        "type": "string",
        "enum": ["signed", "superseded", "unsigned"],
    }
    assert parameters["signer"] == {"type": "string", "enum": ["me"]}


ODD_VALUES = [
    "\x00",
    "me\x00",
    "signed\n",
    " unsigned",
    "UNSIGNED",
    "'; DROP TABLE x; --",
    "%",
    "签署",
    "\u202eme",
    "9" * 5000,
    "[]",
    "{}",
    "null",
]


def test_odd_filter_values_never_answer_5xx_nor_the_whole_list(project, alice, documents):
    """A seeded fuzz of the two filters, with the values a generator likes: control
    characters, other scripts, huge strings. Each is refused with a 400 (or, for an empty
    value, not applied); never a 500."""
    api = client_for(alice)
    generator = random.Random(20261202)
    alphabet = "meunsigdprt \t\x00\x01\x7f%&=?#/\\\"'签名🙂\u200b"
    values = ODD_VALUES + [
        "".join(generator.choice(alphabet) for _ in range(generator.randint(1, 12)))
        for _ in range(60)
    ]
    for value in values:
        for name in ("state", "signer"):
            response = api.get(documents_url(project), {name: value})
            assert response.status_code in (200, 400), (name, value, response.status_code)
            if response.status_code == 200:
                assert value.strip() == "" or value in ("me", "signed", "unsigned", "superseded")
