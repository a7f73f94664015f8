import datetime

from django.contrib.auth import get_user_model

from projects import services
from projects.models import LeadTenure, Membership, Person, Role
from responsibility.deadlines import add_working_days, deadline_working_days
from tests.conftest import PASSWORD, id_number, lead_of, organization_of
from tests.responsibility.conftest import sign_all, sign_as

CHANGED = datetime.date(2025, 9, 5)  # a Friday


def replace_contractor_lead(project, admin, effective=CHANGED):
    user = get_user_model().objects.create_user(username="wu", password=PASSWORD)
    person = services.person_create(
        name="吴海涛",
        id_number=id_number("33010619820110313"),
        organization=organization_of(project, Role.CONTRACTOR),
        practice_qualification=Person.PracticeQualification.REGISTERED_CONSTRUCTOR,
        user=user,
        actor=admin,
    )
    services.lead_tenure_replace(
        tenure=lead_of(project, Role.CONTRACTOR),
        person=person,
        effective_date=effective,
        reason="原项目经理调任",
        actor=admin,
    )
    services.membership_create(
        user=user,
        project=project,
        role=Membership.Role.PROJECT_LEAD,
        organization=organization_of(project, Role.CONTRACTOR),
        actor=admin,
    )
    return user


def test_the_deadline_counts_working_days_and_skips_weekends():
    assert add_working_days(CHANGED, 5) == datetime.date(2025, 9, 12)
    assert add_working_days(datetime.date(2025, 9, 8), 5) == datetime.date(2025, 9, 15)


def test_a_jurisdiction_can_set_its_own_deadline(settings):
    settings.LEAD_CHANGE_DEADLINE_OVERRIDES = {"330100": 3, "320000": 10}
    assert deadline_working_days("330108") == 3
    assert deadline_working_days("320102") == 10
    assert deadline_working_days("110101") == 5


def test_an_overdue_lead_change_is_listed_for_project_owner_and_regulator(project, admin, api_as):
    replace_contractor_lead(project, admin)

    listed = api_as("alice").get(f"/api/v1/projects/{project.pk}/lead-changes/").json()
    assert listed == [
        {
            "project": project.pk,
            "project_name": project.name,
            "role": "contractor",
            "organization": "浙江宏业建设集团有限公司",
            "previous_lead": "李国强",
            "new_lead": "吴海涛",
            "effective_date": "2025-09-05",
            "reason": "原项目经理调任",
            "due": "2025-09-12",
            "letter_signed": False,
            "pledge_signed": False,
            "overdue": True,
        }
    ]
    for name in ("olga", "reggie", "alice"):
        overdue = api_as(name).get("/api/v1/lead-changes/overdue/").json()
        assert [change["new_lead"] for change in overdue] == ["吴海涛"], name
    assert api_as("rita").get("/api/v1/lead-changes/overdue/").json() == []
    assert api_as("charlie").get("/api/v1/lead-changes/overdue/").json() == []
    assert api_as("charlie").get(f"/api/v1/projects/{project.pk}/lead-changes/").status_code == 404


def test_signing_the_new_documents_clears_the_change(project, signers, admin, api_as):
    new_lead = replace_contractor_lead(project, admin)
    sign_as(signers[Role.CONTRACTOR]["rep"], project, "contractor", "letter")
    sign_as(new_lead, project, "contractor", "pledge")

    [change] = api_as("reggie").get(f"/api/v1/projects/{project.pk}/lead-changes/").json()
    assert change["letter_signed"]
    assert change["pledge_signed"]
    assert change["overdue"] is False
    assert api_as("reggie").get("/api/v1/lead-changes/overdue/").json() == []


def test_an_overdue_lead_change_blocks_filing(project, signers, admin, api_as):
    sign_all(project, signers)
    for stage in ("under_supervision", "under_construction", "completion_accepted"):
        services.project_stage_advance(project=project, to_stage=stage, actor=admin)
    replace_contractor_lead(project, admin)

    response = api_as("alice").post(
        f"/api/v1/projects/{project.pk}/advance/", {"to_stage": "filed"}
    )

    assert response.status_code == 400
    messages = response.json()["to_stage"]
    assert messages[0] == "The project cannot move to filed yet."
    assert (
        "The construction contractor's new lead 吴海涛 (since 2025-09-05) had to sign the"
        " authorization letter and pledge by 2025-09-12; they are overdue." in messages
    )
    project.refresh_from_db()
    assert project.stage == "completion_accepted"


def test_overlapping_lead_changes_are_refused(project, admin, api_as):
    old = lead_of(project, Role.CONTRACTOR)
    replace_contractor_lead(project, admin)
    someone = lead_of(project, Role.SUPERVISOR).person

    response = api_as("alice").post(
        f"/api/v1/projects/{project.pk}/lead-tenures/{old.pk}/replace/",
        {"person": someone.pk, "effective_date": "2025-10-01", "reason": "再次变更"},
        format="json",
    )

    assert response.status_code == 400
    assert "already ended" in str(response.json())
    assert LeadTenure.objects.filter(project=project, role="contractor").count() == 2
