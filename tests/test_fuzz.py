"""Schemathesis sends generated requests to every operation of /api/schema/ on the live test
server (with its PostgreSQL and S3 server) and checks one thing: no answer is a 5xx.

The archive holds the whole demo (projects, deliveries, samples, a recall, a defect case, a
completed project with its plaque), and the path's ids point at its rows, so requests reach
the code behind the access checks rather than stop at a 404. It runs as the operator (sees
everything) and as the demo's site supervisor (a member of one project): see RUNS. The seed
is fixed, generation derandomized and nothing cached, so a run sends the same requests every
time; it takes two to three minutes on two cores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import StringIO

import pytest
import schemathesis
import schemathesis.engine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, StopReason, events

from inspections.models import AcceptanceRecord, Photo
from ledger.models import LedgerEntry
from materials.models import (
    Batch,
    DefectNotice,
    Delivery,
    RecallAction,
    RecallEvidence,
    Sample,
    Usage,
)
from projects.demo import DEMO_PROJECT_NAME
from projects.models import Organization, Person, Project
from projects.services import api_token_issue
from responsibility.demo import COMPLETED_PROJECT_NAME
from responsibility.models import DefectCase, ResponsibilityDocument
from storage.models import StoredObject

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SEED = 20261202
# No time limit: with one, schemathesis keeps generating until the time is up, and the run would
# send different requests on a faster machine. Instead these few numbers fix what is sent.
RUNS = [
    # the operator sees and may change everything: the coverage phase's edge cases (missing
    # and wrong fields, bodies that are no object, boundary values), then random examples
    ("admin", {"coverage": {"unexpected-methods": []}}),
    # a member of the demo project, for the other side of the access checks: random examples
    ("supervisor", {"coverage": {"enabled": False}}),
]
EXAMPLES_PER_OPERATION = 3
PLAQUE = "/plaque/"  # these operations read the completed project, the one with a plaque


def _first(queryset):
    row = queryset.order_by("pk").first()
    return row.pk if row is not None else 0


@pytest.fixture
def demo_ids() -> dict[str, int | str]:
    """Load the demo and name one real row for every id in the API's paths (the plaque's
    come from the completed project: see PLAQUE)."""
    for command in ("load_demo", "load_demo_materials", "load_demo_defect_case"):
        call_command(command, stdout=StringIO())
    call_command("load_demo_completed", stdout=StringIO())
    project = Project.objects.get(name=DEMO_PROJECT_NAME)
    completed = Project.objects.get(name=COMPLETED_PROJECT_NAME)
    delivery = Delivery.objects.filter(project=project).order_by("pk").first()
    notice = DefectNotice.objects.order_by("pk").first()
    case = DefectCase.objects.filter(project=project).order_by("pk").first()
    return {
        "project_id": project.pk,
        "unit_work_id": _first(project.unit_works.all()),
        "organization_id": _first(Organization.objects.all()),
        "person_id": _first(Person.objects.all()),
        "tenure_id": _first(project.lead_tenures.all()),
        "document_id": _first(ResponsibilityDocument.objects.filter(project=project)),
        "record_id": _first(AcceptanceRecord.objects.filter(project=project)),
        "photo_id": _first(Photo.objects.filter(project=project)),
        "variant": "thumbnail",
        "case_id": case.pk,
        "object_id": _first(StoredObject.objects.filter(defect_case_holds__case=case)),
        "batch_id": _first(Batch.objects.all()),
        "document": "certificate_of_conformity",
        "delivery_id": delivery.pk,
        "sample_id": _first(Sample.objects.filter(delivery=delivery)),
        "usage_id": _first(Usage.objects.filter(delivery__project=project)),
        "notice_id": notice.pk,
        "action_id": _first(RecallAction.objects.filter(notice=notice)),
        "evidence_id": _first(RecallEvidence.objects.all()),
        "index": LedgerEntry.objects.count() - 1,
        PLAQUE: {"project_id": completed.pk, "unit_work_id": completed.unit_works.get().pk},
    }


@dataclass
class Fuzzed:
    operations: set[str]  # every operation of the schema
    reached: set[str] = field(default_factory=set)  # those that got at least one request
    requests: int = 0
    problems: list[str] = field(default_factory=list)  # 5xx answers, requests not sent
    seconds: float = 0.0
    stop_reason: StopReason | None = None


def fuzz(url: str, *, token: str, phases: dict, ids: dict) -> Fuzzed:
    """Run schemathesis's engine (what its CLI runs) over every operation as one user."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            # No cache of what earlier runs learned: every run sends the same requests.
            "cache": {"enabled": False},
            "request-timeout": 60,
            "suppress-health-check": ["all"],
            "headers": {
                "Authorization": f"Token {token}",
                "Accept-Language": "en",
                # A kept-alive connection keeps its server thread, and that thread's database
                # connection, open past the test: the test database could not be dropped.
                "Connection": "close",
            },
            "generation": {
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": True,
                "no-shrink": True,
                "database": "none",
            },
            "phases": {"stateful": {"enabled": False}, **phases},
            "checks": {"enabled": False, "not_a_server_error": {"enabled": True}},
            "parameters": {f"path.{name}": value for name, value in ids.items() if name != PLAQUE},
            "operations": [
                {
                    "include-path-regex": PLAQUE,
                    "parameters": {f"path.{name}": value for name, value in ids[PLAQUE].items()},
                }
            ],
        }
    )
    schema = schemathesis.openapi.from_url(url, config=config)
    run = Fuzzed(operations={result.ok().label for result in schema.get_all_operations()})
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            if recorder.cases:
                run.reached.add(recorder.label)
                run.requests += len(recorder.cases)
            for case_id, checks in recorder.checks.items():
                case = recorder.cases[case_id].value
                run.problems += [
                    f"{check.name}: {case.as_curl_command()}"
                    for check in checks
                    if check.status == Status.FAILURE
                ]
        elif isinstance(event, events.NonFatalError):
            run.problems.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            run.problems.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            run.seconds, run.stop_reason = event.running_time, event.stop_reason
    return run


def test_no_operation_answers_with_a_server_error(live_server, demo_ids):
    users = get_user_model().objects.in_bulk(
        [username for username, _ in RUNS], field_name="username"
    )
    problems = []
    for username, phases in RUNS:
        _instance, token = api_token_issue(user=users[username])
        run = fuzz(
            f"{live_server.url}/api/schema/",
            token=token,
            phases=phases,
            ids=demo_ids,
        )
        print(  # noqa: T201 - the runtime, for whoever tunes the budget
            f"as {username}: {run.requests} requests to {len(run.reached)} of"
            f" {len(run.operations)} operations in {run.seconds:.0f} s ({run.stop_reason})"
        )
        problems += [f"as {username}: {problem}" for problem in run.problems]
        problems += [
            f"as {username}: not reached: {label}" for label in sorted(run.operations - run.reached)
        ]
    assert problems == []
