from django.core.management import call_command

from projects.models import Project
from responsibility.models import ResponsibilityDocument
from responsibility.services import responsibility_gaps


def test_the_demo_has_signed_letters_and_pledges_for_all_five_roles(db):
    call_command("load_demo")
    call_command("load_demo")  # idempotent

    project = Project.objects.get()
    assert project.stage == Project.Stage.UNDER_SUPERVISION
    assert responsibility_gaps(project) == []
    signed = ResponsibilityDocument.objects.filter(status="signed")
    assert signed.count() == 10
    assert all(document.pdf is not None for document in signed)
