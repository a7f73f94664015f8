"""Who may do what, as a table: every endpoint of a project's deliveries, samples, usages
and recall actions, for each kind of actor, with an outsider (charlie) from another project.
Nothing is written on a refusal."""

import datetime

import pytest

from ledger.models import LedgerEntry
from materials import services
from tests.materials.conftest import deliver, label_photo, report_pdf

NOT_FOUND = "Not found, or you do not have access to it."
REFUSED = {
    "olga": "Only site supervisors and project leads can change this project's records.",
    "reggie": "Regulators have read-only access to projects.",
}
NOT_THE_SUPERVISOR = "Only the project's site supervisors can accept or reject a delivery."

# The operator, the site supervisor and the contractor's lead (both keep the records), the
# owner's read-only representative, the regulator of the jurisdiction, a regulator elsewhere,
# a supervisor of another project, and nobody signed in.
ACTORS = ("admin", "alice", "leo", "olga", "reggie", "rita", "charlie", None)

READ = (200, 200, 200, 200, 200, 404, 404, 403)
DOWNLOAD = (302, 302, 302, 302, 302, 404, 404, 403)
# Each write sends a body refused as invalid once access is granted: an allowed actor gets
# 400, a refused one 403 or 404, and nothing is written either way.
WRITE = (400, 400, 400, 403, 403, 404, 404, 403)
# Accepting or rejecting is the site supervisor's alone, not the operator's or the
# contractor's; the delivery is already accepted, so even she is refused (400).
DECIDE = (403, 400, 403, 403, 403, 404, 404, 403)
# The sample has its report: a second one is a conflict, found after the access check.
SECOND_REPORT = (409, 409, 409, 403, 403, 404, 404, 403)
# Every regulator sees every notice (the bulletins are public), but not the actions of
# projects outside their jurisdiction; charlie's project is not hit, so he sees no notice.
NOTICE_READ = (200, 200, 200, 200, 200, 200, 404, 403)

ENDPOINTS = [
    # name, method, url, body, expected
    ("deliveries", "get", "deliveries", None, READ),
    ("delivery", "get", "delivery", None, READ),
    ("delivery_create", "post", "deliveries", {"quantity": "-1"}, WRITE),
    ("accept", "post", "accept", {}, DECIDE),
    ("reject", "post", "reject", {"reason": ""}, DECIDE),
    ("photos", "get", "photos", None, READ),
    ("photo_add", "post", "photos", {"photo_of": "nothing"}, WRITE),
    ("photo_download", "get", "photo", None, DOWNLOAD),
    ("samples", "get", "samples", None, READ),
    ("sample_create", "post", "samples", {"seal_number": ""}, WRITE),
    ("report_download", "get", "report", None, DOWNLOAD),
    ("report_add", "post", "report", {"result": "maybe"}, SECOND_REPORT),
    ("usages", "get", "usages", None, READ),
    ("usage_create", "post", "usages", {"quantity": "-1"}, WRITE),
    ("usage_acceptance", "post", "usage_acceptance", {"acceptance_record": 0}, WRITE),
    ("witness_share", "get", "witness", None, READ),
    ("actions", "get", "actions", None, NOTICE_READ),
    ("evidence_add", "post", "evidence", {}, WRITE),
    ("evidence_download", "get", "evidence_file", None, DOWNLOAD),
    ("action_close", "post", "close", {"note": ""}, WRITE),
]
MULTIPART = {"photos", "report", "evidence"}


@pytest.fixture
def every_url(project, used_cable, leo, reggie):
    """The accepted cable with a label photo, its sample and report, a usage, and a
    recall action (with evidence) under a notice that names its batch."""
    delivery = used_cable
    photo = services.delivery_photo_add(
        delivery=delivery, kind="label", fileobj=label_photo(), actor=leo
    )
    sample = delivery.samples.get()
    usage = delivery.usages.get()
    notice = services.defect_notice_issue(
        manufacturer=delivery.batch.manufacturer,
        product=delivery.batch.product,
        batches=[delivery.batch],
        source="抽查通报",
        issued_on=datetime.date(2025, 6, 1),
        actor=reggie,
    )
    action = services.recall_action_open(notice=notice, project=project, kind="stop_use", actor=leo)
    evidence = services.recall_evidence_add(action=action, fileobj=report_pdf(), actor=leo)
    base = f"/api/v1/projects/{project.pk}/"
    one = f"{base}deliveries/{delivery.pk}/"
    actions = f"/api/v1/defect-notices/{notice.pk}/actions/"
    return {
        "deliveries": base + "deliveries/",
        "delivery": one,
        "accept": one + "accept/",
        "reject": one + "reject/",
        "photos": one + "photos/",
        "photo": one + f"photos/{photo.pk}/download/",
        "samples": one + "samples/",
        "report": one + f"samples/{sample.pk}/report/",
        "usages": base + "usages/",
        "usage_acceptance": base + f"usages/{usage.pk}/acceptance-record/",
        "witness": base + "witness-share/",
        "actions": actions,
        "evidence": actions + f"{action.pk}/evidence/",
        "evidence_file": actions + f"{action.pk}/evidence/{evidence.pk}/download/",
        "close": actions + f"{action.pk}/close/",
    }


@pytest.mark.parametrize("actor", ACTORS)
def test_who_can_do_what_with_every_endpoint(api_as, every_url, actor):
    """One actor against every endpoint (the records are built once per actor: the bodies
    are refused as invalid, so no request changes what the next one finds)."""
    client = api_as(actor)
    column = ACTORS.index(actor)
    wrong = []
    for name, method, url, body, statuses in ENDPOINTS:
        expected = statuses[column]
        entries = LedgerEntry.objects.count()
        if body is None:
            response = getattr(client, method)(every_url[url])
        else:
            form = "multipart" if url in MULTIPART else "json"
            response = getattr(client, method)(every_url[url], body, format=form)
        detail = response.json().get("detail") if response.status_code >= 400 else None
        if expected == 404:
            message = NOT_FOUND
        elif expected == 403 and actor in REFUSED:
            message = REFUSED[actor]
        elif expected == 403 and actor in ("admin", "leo"):
            message = NOT_THE_SUPERVISOR
        else:
            message = None
        if response.status_code != expected:
            wrong.append(f"{name}: {response.status_code}, expected {expected}: {detail}")
        elif message is not None and detail != message:
            wrong.append(f"{name}: {expected} says {detail!r}, not {message!r}")
        if expected >= 400 and LedgerEntry.objects.count() != entries:
            wrong.append(f"{name}: refused, but something was written")
    assert wrong == []


def test_a_delivery_of_another_project_is_not_found_through_this_one(
    api_as, project, other_project, cable_batch, contractor_person, leo
):
    """A delivery is looked up within the project of the URL: naming it under a project
    the user may see, but that it does not belong to, finds nothing."""
    delivery = deliver(project, cable_batch, contractor_person, leo)
    response = api_as("admin").get(f"/api/v1/projects/{other_project.pk}/deliveries/{delivery.pk}/")
    assert response.status_code == 404
    assert response.json()["detail"] == NOT_FOUND


def test_outsiders_do_not_see_other_projects_deliveries_in_lists(
    api_as, project, cable_batch, contractor_person, leo, charlie, admin
):
    deliver(project, cable_batch, contractor_person, leo)
    assert api_as("admin").get(f"/api/v1/projects/{project.pk}/deliveries/").json()["count"] == 1
    assert api_as("charlie").get("/api/v1/blocked-deliveries/").json()["count"] == 0
    assert api_as("charlie").get("/api/v1/defect-notices/").json()["count"] == 0
