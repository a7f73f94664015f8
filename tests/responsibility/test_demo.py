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


def test_the_demo_design_lead_has_a_correction_to_sign(db):
    from django.contrib.auth import get_user_model

    from responsibility.selectors import documents_to_sign

    call_command("load_demo")

    designer = get_user_model().objects.get(username="designer")
    waiting = documents_to_sign(user=designer)
    assert [item.document.kind for item in waiting] == ["pledge"]
    assert waiting[0].document.supersedes is not None
