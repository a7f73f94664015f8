"""Named actors for the tests, built through the services like real data.

The project is 杭州市滨江区某住宅小区3号楼 (jurisdiction 330108) with its five responsible
units and their leads in office. The cast:

- ``alice``   site supervisor (现场监理) on the project
- ``leo``     the contractor's project lead (项目经理) on the project
- ``olga``    the owner's legal representative on the project (read only)
- ``reggie``  regulator for Hangzhou (330100), which includes the project's district
- ``rita``    regulator for Jiangsu province (320000), which does not
- ``quinn``   the contractor's quality inspector (质检员) on the project
- ``charlie`` site supervisor on ANOTHER project (南京, 320102): the outsider
- ``dan``     regulator for Xihu district (330106), the project's neighbour, not its district
- ``sam``     site supervisor on a THIRD project in the project's own district (330108)
- ``admin``   archive operator (staff)
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from rest_framework.test import APIClient

from projects import services
from projects.models import Membership, Person, Role
from projects.validators import credit_code_check_char, id_number_check_char
from tests import browser as browser_helpers

PASSWORD = "correct-horse-2026"


@pytest.fixture(autouse=True)
def english():
    """Service-level messages are asserted in English; the archive's default is Chinese.

    HTTP requests still choose their language from Accept-Language (LocaleMiddleware), so
    the tests of Chinese pages are unaffected.
    """
    with translation.override("en"):
        yield


def credit_code(first17: str) -> str:
    """A valid unified social credit code from its first 17 characters."""
    return first17 + credit_code_check_char(first17)


def id_number(first17: str) -> str:
    """A valid resident ID number from its first 17 digits."""
    return first17 + id_number_check_char(first17)


PARTIES = {
    Role.OWNER: ("杭州滨江城建置业有限公司", "91330108MA27XK3L0"),
    Role.SURVEY: ("浙江华东岩土勘察设计研究院有限公司", "91330000142916723"),
    Role.DESIGN: ("杭州市城建设计研究院有限公司", "91330100143298765"),
    Role.CONTRACTOR: ("浙江宏业建设集团有限公司", "91330105727614820"),
    Role.SUPERVISOR: ("杭州信达工程监理有限公司", "91330106253912847"),
}

Q = Person.PracticeQualification
LEADS = {
    Role.OWNER: ("王建国", "33010219720315201", Q.NONE, ""),
    Role.SURVEY: ("陈立新", "33010619750822401", Q.REGISTERED_GEOTECHNICAL_ENGINEER, "AY153300412"),
    Role.DESIGN: ("刘思远", "33010519800417133", Q.REGISTERED_ARCHITECT, "133300876"),
    Role.CONTRACTOR: (
        "李国强",
        "33018319850609241",
        Q.REGISTERED_CONSTRUCTOR,
        "浙1332015201601234",
    ),
    Role.SUPERVISOR: ("张伟", "33010219881130521", Q.REGISTERED_SUPERVISING_ENGINEER, "33008123"),
}


def _user(username: str, **extra):
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


@pytest.fixture
def admin(db):
    return _user("admin", is_staff=True, is_superuser=True)


@pytest.fixture
def project(admin):
    """A registered project with its five parties and a lead in office for each; no permit
    number yet (that waits for the signed letters and pledges)."""
    project = services.project_create(
        name="杭州市滨江区某住宅小区3号楼",
        jurisdiction_code="330108",
        address="浙江省杭州市滨江区长河街道江汉路以南",
        site_latitude=Decimal("30.188512"),
        site_longitude=Decimal("120.201436"),
        actor=admin,
    )
    for role, (name, code) in PARTIES.items():
        organization = services.organization_create(
            name=name, credit_code=credit_code(code), actor=admin
        )
        services.participation_create(
            project=project, organization=organization, role=role, actor=admin
        )
        lead_name, first17, qualification, cert_no = LEADS[role]
        person = services.person_create(
            name=lead_name,
            id_number=id_number(first17),
            phone="13805710000",
            organization=organization,
            practice_qualification=qualification,
            practice_cert_no=cert_no,
            actor=admin,
        )
        services.lead_tenure_open(
            project=project,
            role=role,
            person=person,
            start_date=datetime.date(2025, 3, 1),
            actor=admin,
        )
    return project


def organization_of(project, role):
    return project.participations.get(role=role).organization


def lead_of(project, role):
    return project.lead_tenures.get(role=role, end_date__isnull=True)


@pytest.fixture
def other_project(admin):
    """Somebody else's project, in another province."""
    return services.project_create(
        name="南京市玄武区某办公楼", jurisdiction_code="320102", actor=admin
    )


@pytest.fixture
def alice(project, admin):
    user = _user("alice")
    services.person_create(
        name="赵丽",
        id_number=id_number("33010619900205162"),
        phone="13957112345",
        organization=organization_of(project, Role.SUPERVISOR),
        practice_qualification=Q.REGISTERED_SUPERVISING_ENGINEER,
        practice_cert_no="33009876",
        user=user,
        actor=admin,
    )
    services.membership_create(
        user=user,
        project=project,
        role=Membership.Role.SITE_SUPERVISOR,
        organization=organization_of(project, Role.SUPERVISOR),
        actor=admin,
    )
    return user


@pytest.fixture
def leo(project, admin):
    user = _user("leo")
    person = lead_of(project, Role.CONTRACTOR).person
    services.person_update(person=person, user=user, actor=admin)
    services.membership_create(
        user=user,
        project=project,
        role=Membership.Role.PROJECT_LEAD,
        organization=organization_of(project, Role.CONTRACTOR),
        actor=admin,
    )
    return user


@pytest.fixture
def olga(project, admin):
    user = _user("olga")
    owner = organization_of(project, Role.OWNER)
    person = services.person_create(
        name="周秀英",
        id_number=id_number("33010819780921124"),
        organization=owner,
        user=user,
        actor=admin,
    )
    services.organization_update(organization=owner, legal_representative=person, actor=admin)
    services.membership_create(
        user=user,
        project=project,
        role=Membership.Role.LEGAL_REPRESENTATIVE,
        organization=owner,
        actor=admin,
    )
    return user


@pytest.fixture
def quinn(project, admin):
    user = _user("quinn")
    services.person_create(
        name="钱质检",
        id_number=id_number("33010619920305162"),
        organization=organization_of(project, Role.CONTRACTOR),
        user=user,
        actor=admin,
    )
    services.membership_create(
        user=user,
        project=project,
        role=Membership.Role.SITE_SUPERVISOR,
        organization=organization_of(project, Role.CONTRACTOR),
        actor=admin,
    )
    return user


@pytest.fixture
def reggie(admin):
    user = _user("reggie")
    services.regulator_account_create(
        user=user, agency="杭州市建设工程质量安全监督总站", jurisdiction_code="330100", actor=admin
    )
    return user


@pytest.fixture
def rita(admin):
    user = _user("rita")
    services.regulator_account_create(
        user=user, agency="江苏省建设工程质量监督总站", jurisdiction_code="320000", actor=admin
    )
    return user


@pytest.fixture
def charlie(other_project, admin):
    user = _user("charlie")
    services.person_create(
        name="孙浩", id_number=id_number("32010219830716003"), user=user, actor=admin
    )
    services.membership_create(
        user=user, project=other_project, role=Membership.Role.SITE_SUPERVISOR, actor=admin
    )
    return user


@pytest.fixture
def dan(admin):
    user = _user("dan")
    services.regulator_account_create(
        user=user, agency="杭州市西湖区建设工程质量监督站", jurisdiction_code="330106", actor=admin
    )
    return user


@pytest.fixture
def third_project(admin):
    """A neighbour's project in the same district: the same regulator, other members."""
    return services.project_create(
        name="杭州市滨江区某商业综合体", jurisdiction_code="330108", actor=admin
    )


@pytest.fixture
def sam(third_project, admin):
    user = _user("sam")
    services.person_create(
        name="钱勇", id_number=id_number("33010819870304157"), user=user, actor=admin
    )
    services.membership_create(
        user=user, project=third_project, role=Membership.Role.SITE_SUPERVISOR, actor=admin
    )
    return user


@pytest.fixture
def actors(admin, alice, leo, olga, reggie, rita, charlie):
    return {
        "admin": admin,
        "alice": alice,
        "leo": leo,
        "olga": olga,
        "reggie": reggie,
        "rita": rita,
        "charlie": charlie,
    }


@pytest.fixture
def api_as(actors, request):
    """``api_as("alice")``: an API client authenticated as that actor (None: anonymous).
    ``dan`` and ``sam`` (and their third project) are made only for the tests that name them."""

    def client(name: str | None) -> APIClient:
        api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if name is not None:
            user = actors[name] if name in actors else request.getfixturevalue(name)
            api.force_authenticate(user)
        return api

    return client


@pytest.fixture
def browser():
    """Chromium through Playwright (tests/browser.py), for the page tests."""
    yield from browser_helpers.chromium()
