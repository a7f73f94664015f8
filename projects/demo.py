"""A realistic demo project, built through the services: 杭州市滨江区某住宅小区3号楼 with its
five responsible units, their leads (one replaced in 2025), a location tree and one login per
role. ID numbers and credit codes are made up but pass their check characters."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from projects import services
from projects.models import Membership, Person, Project, Role, UnitWork

DEMO_PROJECT_NAME = "杭州市滨江区某住宅小区3号楼"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - a published demo login

# (username, what the login is for, password)
DEMO_LOGINS = [
    ("admin", "Archive operator (staff, Django admin)", DEMO_PASSWORD),
    ("supervisor", "Site supervisor (监理) — records deliveries and acceptances", DEMO_PASSWORD),
    ("contractor", "Contractor's project manager (施工单位项目负责人)", DEMO_PASSWORD),
    ("owner", "Owner's legal representative (建设单位法定代表人)", DEMO_PASSWORD),
    ("designer", "Design unit's project lead (设计单位项目负责人)", DEMO_PASSWORD),
    ("surveyor", "Survey unit's project lead (勘察单位项目负责人)", DEMO_PASSWORD),
    ("regulator", "Regulator for Hangzhou, 330100 (质量监督机构), read only", DEMO_PASSWORD),
]

Q = Person.PracticeQualification

# role: (organization, credit code, qualification, certificate number)
PARTIES = {
    Role.OWNER: (
        "杭州滨江城建置业有限公司",
        "91330108MA27XK3L0X",
        "房地产开发企业二级资质",
        "杭房项 2019-0736",
    ),
    Role.SURVEY: (
        "浙江华东岩土勘察设计研究院有限公司",
        "91330000142916723H",
        "工程勘察综合类甲级",
        "B133001234",
    ),
    Role.DESIGN: (
        "杭州市城建设计研究院有限公司",
        "91330100143298765H",
        "建筑行业（建筑工程）甲级",
        "A133004567",
    ),
    Role.CONTRACTOR: (
        "浙江宏业建设集团有限公司",
        "913301057276148204",
        "建筑工程施工总承包特级",
        "D133012345",
    ),
    Role.SUPERVISOR: (
        "杭州信达工程监理有限公司",
        "913301062539128478",
        "工程监理综合资质",
        "E133007890",
    ),
}

# role: (name, ID number, phone, qualification, certificate number, username or None)
LEADS = {
    Role.OWNER: ("王建国", "33010219720315201X", "13805711024", Q.NONE, "", None),
    Role.SURVEY: (
        "陈立新",
        "330106197508224016",
        "13958002317",
        Q.REGISTERED_GEOTECHNICAL_ENGINEER,
        "AY153300412",
        "surveyor",
    ),
    Role.DESIGN: (
        "刘思远",
        "330105198004171334",
        "13606717745",
        Q.REGISTERED_ARCHITECT,
        "133300876",
        "designer",
    ),
    Role.CONTRACTOR: (
        "李国强",
        "330183198506092416",
        "13757196620",
        Q.REGISTERED_CONSTRUCTOR,
        "浙1332015201601234",
        None,
    ),
    Role.SUPERVISOR: (
        "张伟",
        "330102198811305213",
        "13867453390",
        Q.REGISTERED_SUPERVISING_ENGINEER,
        "33008123",
        None,
    ),
}
REPLACEMENT_MANAGER = (
    "吴海涛",
    "330106198201103134",
    "13588126654",
    Q.REGISTERED_CONSTRUCTOR,
    "浙1332016201705678",
)
SITE_SUPERVISOR = (
    "赵丽",
    "330106199002051620",
    "13957112345",
    Q.REGISTERED_SUPERVISING_ENGINEER,
    "33009876",
)
OWNER_LEGAL_REPRESENTATIVE = ("周秀英", "330108197809211246", "13705719988")

TENURES_START = datetime.date(2025, 3, 20)
MANAGER_CHANGED = datetime.date(2025, 8, 20)
MANAGER_CHANGE_REASON = "原项目经理李国强调任公司总部工程管理部，经建设单位同意变更项目经理。"


def demo_exists() -> bool:
    return Project.objects.filter(name=DEMO_PROJECT_NAME).exists()


def demo_label_paths() -> tuple[str, str] | None:
    """The demo's location label sheet (3号楼, every location) and its project's scanner,
    for the `make run` banner; None before the demo is loaded."""
    unit_work = (
        UnitWork.objects.filter(project__name=DEMO_PROJECT_NAME, name="3号楼")
        .order_by("pk")
        .first()
    )
    if unit_work is None:
        return None
    project = unit_work.project_id
    return (
        f"/projects/{project}/setup/unit-works/{unit_work.pk}/locations/labels.pdf",
        f"/projects/{project}/scan/",
    )


def _user(username: str, **extra):
    return get_user_model().objects.create_user(username=username, password=DEMO_PASSWORD, **extra)


DEMO_PERMIT_NUMBER = "330108202504180101"


@transaction.atomic
def demo_load() -> Project | None:
    """Create the demo project, its parties, leads, locations and logins, not yet signed;
    does nothing if the project exists. The whole demo is composed in ``demo/``."""
    if demo_exists():
        return None
    admin = _user("admin", is_staff=True, is_superuser=True)
    users = {username: _user(username) for username, _, _ in DEMO_LOGINS[1:]}

    project = services.project_create(
        name=DEMO_PROJECT_NAME,
        jurisdiction_code="330108",
        address="浙江省杭州市滨江区长河街道江汉路与长江路交叉口东南侧",
        site_latitude=Decimal("30.188512"),
        site_longitude=Decimal("120.201436"),
        actor=admin,
    )
    organizations = {}
    for role, (name, code, qualification, cert_no) in PARTIES.items():
        organization = services.organization_create(
            name=name,
            credit_code=code,
            qualification=qualification,
            qualification_cert_no=cert_no,
            address="浙江省杭州市",
            actor=admin,
        )
        organizations[role] = organization
        services.participation_create(
            project=project, organization=organization, role=role, actor=admin
        )
        name, id_number, phone, practice, practice_no, username = LEADS[role]
        person = services.person_create(
            name=name,
            id_number=id_number,
            phone=phone,
            organization=organization,
            practice_qualification=practice,
            practice_cert_no=practice_no,
            user=users.get(username) if username else None,
            actor=admin,
        )
        services.lead_tenure_open(
            project=project, role=role, person=person, start_date=TENURES_START, actor=admin
        )
        if username:
            services.membership_create(
                user=users[username],
                project=project,
                role=Membership.Role.PROJECT_LEAD,
                organization=organization,
                actor=admin,
            )

    # The contractor's project manager was replaced during construction preparation.
    name, id_number, phone, practice, practice_no = REPLACEMENT_MANAGER
    new_manager = services.person_create(
        name=name,
        id_number=id_number,
        phone=phone,
        organization=organizations[Role.CONTRACTOR],
        practice_qualification=practice,
        practice_cert_no=practice_no,
        user=users["contractor"],
        actor=admin,
    )
    services.lead_tenure_replace(
        tenure=project.lead_tenures.get(role=Role.CONTRACTOR, end_date__isnull=True),
        person=new_manager,
        effective_date=MANAGER_CHANGED,
        reason=MANAGER_CHANGE_REASON,
        actor=admin,
    )
    services.membership_create(
        user=users["contractor"],
        project=project,
        role=Membership.Role.PROJECT_LEAD,
        organization=organizations[Role.CONTRACTOR],
        actor=admin,
    )

    name, id_number, phone, practice, practice_no = SITE_SUPERVISOR
    services.person_create(
        name=name,
        id_number=id_number,
        phone=phone,
        organization=organizations[Role.SUPERVISOR],
        practice_qualification=practice,
        practice_cert_no=practice_no,
        user=users["supervisor"],
        actor=admin,
    )
    services.membership_create(
        user=users["supervisor"],
        project=project,
        role=Membership.Role.SITE_SUPERVISOR,
        organization=organizations[Role.SUPERVISOR],
        actor=admin,
    )

    name, id_number, phone = OWNER_LEGAL_REPRESENTATIVE
    legal_representative = services.person_create(
        name=name,
        id_number=id_number,
        phone=phone,
        organization=organizations[Role.OWNER],
        user=users["owner"],
        actor=admin,
    )
    services.organization_update(
        organization=organizations[Role.OWNER],
        legal_representative=legal_representative,
        actor=admin,
    )
    services.membership_create(
        user=users["owner"],
        project=project,
        role=Membership.Role.LEGAL_REPRESENTATIVE,
        organization=organizations[Role.OWNER],
        actor=admin,
    )

    services.regulator_account_create(
        user=users["regulator"],
        agency="杭州市建设工程质量安全监督总站",
        jurisdiction_code="330100",
        actor=admin,
    )

    _build_unit_work(project, admin)
    return project


def demo_supervision_start(*, project: Project) -> None:
    """The construction permit and supervision, once every letter and pledge is signed
    (the permit gate): the top-level demo calls this after the signatures."""
    admin = get_user_model().objects.get(username="admin")
    services.project_update(project=project, permit_number=DEMO_PERMIT_NUMBER, actor=admin)
    services.project_stage_advance(
        project=project, to_stage=Project.Stage.UNDER_SUPERVISION, actor=admin
    )


def _build_unit_work(project: Project, admin) -> UnitWork:
    unit_work = services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type=UnitWork.StructureType.SHEAR_WALL,
        floors_above=18,
        floors_below=1,
        gross_area=Decimal("12036.50"),
        design_service_life_years=50,
        start_date=datetime.date(2025, 4, 18),
        actor=admin,
    )

    def add(kind, name, parent=None):
        return services.location_create(
            unit_work=unit_work, kind=kind, name=name, parent=parent, actor=admin
        )

    building = add("unit", "3号楼")
    floors = {"B1": add("floor", "地下1层", building)}
    for number in range(1, 19):
        floors[str(number)] = add("floor", f"{number}层", building)

    raft = add("zone", "底板后浇带区", floors["B1"])
    add("element", "底板 FB1（C35 P8）", raft)
    add("element", "外墙 WQ1 防水层", add("axis", "①~⑩/Ⓐ轴外墙", floors["B1"]))
    for floor in ("1", "2", "18"):
        axis = add("axis", "③~⑥/Ⓑ~Ⓓ轴", floors[floor])
        add("element", f"{floor}层 Q3 剪力墙", axis)
        add("element", f"{floor}层 LL2 连梁", axis)
        add("element", f"{floor}层 B5 楼板", add("zone", "A区（1单元）", floors[floor]))
    return unit_work


REVEAL_REASON = "核查施工单位项目经理吴海涛的身份证号与其注册建造师证书是否一致（质量监督抽查）。"


@transaction.atomic
def demo_reveal(*, project: Project) -> None:
    """The regulator's audit log is not empty: they revealed the contractor's project
    manager's ID number, through the same service as the page and the API (audited and in
    the ledger; the number itself is kept nowhere)."""
    regulator = get_user_model().objects.get(username="regulator")
    manager = project.lead_tenures.get(role=Role.CONTRACTOR, end_date__isnull=True).person
    services.person_reveal(
        person=manager, field="id_number", reason=REVEAL_REASON, actor=regulator, project=project
    )
