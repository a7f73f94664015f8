"""Who lists which ledger entries: an entry names who wrote what when, so it follows its
record's project (operators see all); audit events only where /audit-events/ shows them.
The verification data a third party needs stays open and names no actor."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import transaction

from ledger.backfill import entry_projects_fill
from ledger.models import Ledgered, LedgerEntry
from ledger.services import checkpoint_create
from projects import services
from projects.models import AuditEvent, Project, Role
from tests.conftest import lead_of

ENTRIES = "/api/v1/ledger/entries/"


def listed(client, **query) -> set[int]:
    indexes, page = set(), 1
    while True:
        response = client.get(ENTRIES, {**query, "page": page})
        assert response.status_code == 200, response.content
        body = response.json()
        indexes |= {entry["index"] for entry in body["results"]}
        if not body["next"]:
            return indexes
        page += 1


def entries_of(queryset) -> set[int]:
    return set(queryset.values_list("index", flat=True))


@pytest.fixture
def archive(project, other_project, third_project, actors, admin):
    """The three projects' records, a unit work in the neighbour's project, and a reveal by
    reggie of a lead of alice's project (an audit event of no project)."""
    services.unit_work_create(
        project=third_project,
        name="商业楼",
        structure_type="frame",
        floors_above=5,
        gross_area="8000",
        design_service_life_years=50,
        actor=admin,
    )
    with transaction.atomic():
        services.audit_event_record(
            actor=actors["reggie"],
            action="reveal_id_number",
            subject=lead_of(project, Role.CONTRACTOR).person,
            reason="质量事故调查",
        )
    return {
        "project": entries_of(LedgerEntry.objects.filter(project_id=project.pk)),
        "other": entries_of(LedgerEntry.objects.filter(project_id=other_project.pk)),
        "third": entries_of(LedgerEntry.objects.filter(project_id=third_project.pk)),
        "reveal": entries_of(LedgerEntry.objects.filter(record_type="projects.auditevent")),
        "unbound": entries_of(
            LedgerEntry.objects.filter(project_id__isnull=True).exclude(
                record_type="projects.auditevent"
            )
        ),
    }


def test_each_project_bound_entry_carries_its_project(project, third_project, archive):
    unbound = LedgerEntry.objects.filter(
        record_type__in=["projects.leadtenure", "projects.participation"],
        project_id__isnull=True,
    )
    assert not unbound.exists()
    registered = LedgerEntry.objects.get(record_type="projects.project", record_id=str(project.pk))
    assert registered.project_id == project.pk
    assert archive["third"]  # the project and its unit work
    assert LedgerEntry.objects.get(index__in=archive["reveal"]).project_id is None


@pytest.mark.parametrize(
    ("name", "sees", "does_not_see"),
    [
        ("alice", {"project"}, {"other", "third", "reveal", "unbound"}),
        ("sam", {"third"}, {"project", "other", "reveal", "unbound"}),
        ("charlie", {"other"}, {"project", "third", "reveal", "unbound"}),
        ("reggie", {"project", "third", "reveal"}, {"other", "unbound"}),
        ("dan", set(), {"project", "third", "other", "reveal", "unbound"}),
        ("rita", {"other"}, {"project", "third", "reveal", "unbound"}),  # Nanjing is hers
    ],
)
def test_members_and_regulators_list_the_entries_of_the_projects_they_see(
    api_as, archive, name, sees, does_not_see
):
    shown = listed(api_as(name))
    for group in sees:
        assert archive[group] <= shown, (name, group)
    for group in does_not_see:
        assert not archive[group] & shown, (name, group)


def test_entries_of_people_and_organizations_are_for_operators(api_as, project, archive):
    lead = lead_of(project, Role.CONTRACTOR).person
    query = {"record_type": "projects.person", "record_id": lead.pk}
    assert api_as("alice").get(ENTRIES, query).json()["count"] == 0
    assert api_as("reggie").get(ENTRIES, query).json()["count"] == 0
    entries = LedgerEntry.objects.filter(record_type="projects.person", record_id=str(lead.pk))
    assert api_as("admin").get(ENTRIES, query).json()["count"] == entries.count() > 0


def test_an_operator_lists_every_entry(api_as, archive):
    assert listed(api_as("admin")) == entries_of(LedgerEntry.objects.all())


def test_a_members_own_audit_event_is_not_listed_to_them(api_as, project, alice, archive):
    """alice's export is in /audit-events/ for regulators and operators, not for her."""
    with transaction.atomic():
        event = services.audit_event_record(
            actor=alice, action="export_package", subject=project, project=project
        )
    query = {"record_type": "projects.auditevent", "record_id": event.pk}
    assert api_as("alice").get("/api/v1/audit-events/").status_code == 403
    assert api_as("alice").get(ENTRIES, query).json()["count"] == 0
    assert api_as("reggie").get(ENTRIES, query).json()["count"] == 1
    assert api_as("dan").get(ENTRIES, query).json()["count"] == 0


def test_a_proof_is_open_to_all_but_names_no_actor_to_an_outsider(api_as, project, archive):
    checkpoint_create()
    [index] = archive["reveal"]
    outsider = api_as("charlie").get(f"{ENTRIES}{index}/proof/")
    assert outsider.status_code == 200
    assert outsider.json()["entry"] is None
    assert outsider.json()["leaf_hash"] == LedgerEntry.objects.get(index=index).leaf_hash
    assert "reggie" not in outsider.content.decode()
    insider = api_as("reggie").get(f"{ENTRIES}{index}/proof/").json()
    assert insider["entry"]["actor"] == "reggie"
    consistency = api_as("charlie").get("/api/v1/ledger/consistency/", {"first": 1, "second": 2})
    assert consistency.status_code == 200


@pytest.mark.parametrize(
    "app", ["projects", "materials", "inspections", "responsibility"], ids=lambda a: a
)
def test_the_migration_gives_old_entries_their_project(app, project, archive):
    migration = importlib.import_module(
        {
            "projects": "projects.migrations.0007_ledger_entry_projects",
            "materials": "materials.migrations.0005_ledger_entry_projects",
            "inspections": "inspections.migrations.0004_ledger_entry_projects",
            "responsibility": "responsibility.migrations.0007_ledger_entry_projects",
        }[app]
    )
    for label, path in migration.PATHS.items():
        model = apps.get_model(label)
        assert model.ledger_project == path, label  # the models still say the same
    before = dict(LedgerEntry.objects.values_list("index", "project_id"))
    LedgerEntry.objects.filter(record_type__in=migration.PATHS).update(project_id=None)
    entry_projects_fill(apps, migration.PATHS)
    assert dict(LedgerEntry.objects.values_list("index", "project_id")) == before
    if app == "projects":
        assert any(before[i] == project.pk for i in archive["project"])


def test_every_model_bound_to_a_project_says_how_to_reach_it():
    for model in apps.get_models():
        if not issubclass(model, Ledgered):
            continue
        points_at_project = any(
            field.is_relation and field.related_model is Project
            for field in model._meta.concrete_fields
        )
        if points_at_project or model is Project:
            assert model.ledger_project is not None, model._meta.label
        if model is AuditEvent:
            assert model.ledger_project == "project"


def test_an_entry_appended_for_a_location_carries_the_project(project, admin):
    unit_work = services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type="frame",
        floors_above=6,
        gross_area="5000",
        design_service_life_years=50,
        start_date=datetime.date(2025, 3, 1),
        actor=admin,
    )
    location = services.location_create(unit_work=unit_work, kind="unit", name="3号楼", actor=admin)
    entry = LedgerEntry.objects.get(record_type="projects.location", record_id=str(location.pk))
    assert entry.project_id == project.pk
