"""The demo's completed project: accepted from a lot up to completion acceptance, its plaque
frozen and installed, its public page verifying against the ledger."""

from io import StringIO

from django.core.management import call_command
from django.test import Client

from ledger.services import checkpoint_create
from ledger.verify import verify_archive
from projects.models import Project
from responsibility.demo import COMPLETED_PROJECT_NAME


def test_the_demo_has_a_completed_project_with_its_plaque_installed(db):
    call_command("load_demo", stdout=StringIO())
    out = StringIO()
    call_command("load_demo_completed", stdout=out)
    call_command("load_demo_completed", stdout=StringIO())  # idempotent
    assert "/p/" in out.getvalue()

    project = Project.objects.get(name=COMPLETED_PROJECT_NAME)
    assert project.stage == Project.Stage.COMPLETION_ACCEPTED
    plaque = project.unit_works.get().plaque
    assert plaque.installations.get().photos.count() == 1
    assert plaque.content["responsibility_ends"] == "2075-08-30"
    assert verify_archive() == []

    checkpoint_create()
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/p/{plaque.token}/").content.decode()
    assert "verify against the ledger" in page
    assert "are proven, by Merkle inclusion proofs" in page
    assert "幼儿园主楼" in page
