"""Materials fixtures on top of the named actors: the catalogue, a cable maker and a cement
maker with one batch each, a testing lab, and a floor of the project's building."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest

from materials import services
from materials.models import MaterialCategory
from projects import services as project_services
from projects.models import Role
from tests.conftest import credit_code, lead_of
from tests.storage.samples import jpeg, pdf

DAY = datetime.date(2025, 4, 1)


def named(data: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def report_pdf() -> io.BytesIO:
    return named(pdf("Test report"), "report.pdf")


def label_photo() -> io.BytesIO:
    return named(jpeg(), "label.jpg")


@pytest.fixture
def catalogue(db):
    services.material_catalogue_install()
    return {c.code: c for c in MaterialCategory.objects.all()}


@pytest.fixture
def cable_maker(admin):
    return project_services.organization_create(
        name="远东电缆有限公司", credit_code=credit_code("91320282250423100"), actor=admin
    )


@pytest.fixture
def cement_maker(admin):
    return project_services.organization_create(
        name="浙江红狮水泥股份有限公司", credit_code=credit_code("91330700704503457"), actor=admin
    )


@pytest.fixture
def lab(project, admin):
    lab = project_services.organization_create(
        name="杭州市建筑工程质量检测中心", credit_code=credit_code("12330100470104012"), actor=admin
    )
    project_services.participation_create(
        project=project, organization=lab, role=Role.TESTING_LAB, actor=admin
    )
    return lab


@pytest.fixture
def cable_batch(catalogue, cable_maker, admin):
    return services.batch_create(
        category=catalogue["cable"],
        manufacturer=cable_maker,
        product="聚氯乙烯绝缘电缆",
        model_spec="BV-450/750V 2.5mm²",
        batch_number="B2503-017",
        production_date=datetime.date(2025, 3, 10),
        ccc_certificate_number="2020010105123456",
        actor=admin,
    )


@pytest.fixture
def cement_batch(catalogue, cement_maker, admin):
    return services.batch_create(
        category=catalogue["cement"],
        manufacturer=cement_maker,
        product="普通硅酸盐水泥",
        model_spec="P·O 42.5",
        batch_number="HS250312",
        production_date=datetime.date(2025, 3, 12),
        actor=admin,
    )


@pytest.fixture
def contractor_person(project):
    return lead_of(project, Role.CONTRACTOR).person


@pytest.fixture
def alice_person(alice):
    return alice.person


@pytest.fixture
def floor(project, admin):
    unit_work = project_services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type="shear_wall",
        floors_above=18,
        gross_area=Decimal("12850.50"),
        design_service_life_years=50,
        actor=admin,
    )
    building = project_services.location_create(
        unit_work=unit_work, kind="unit", name="3号楼", actor=admin
    )
    return project_services.location_create(
        unit_work=unit_work, parent=building, kind="floor", name="5层", actor=admin
    )


def deliver(project, batch, person, actor, *, quantity="1000", unit=None, day=DAY):
    return services.delivery_create(
        project=project,
        batch=batch,
        quantity=Decimal(quantity),
        unit=unit or batch.category.unit,
        delivered_on=day,
        inspected_by=person,
        actor=actor,
    )


def sample(delivery, sampler, lab, actor, *, witness=None, result="pass"):
    taken = services.sample_create(
        delivery=delivery,
        seal_number=f"FY-{delivery.pk}-{sampler.pk}",
        sampling_location="现场材料堆场",
        sampled_on=delivery.delivered_on,
        sampler=sampler,
        witness=witness,
        testing_lab=lab,
        actor=actor,
    )
    if result is not None:
        services.sample_report_add(
            sample=taken,
            report_number=f"HZJC-{taken.pk}",
            result=result,
            tested_on=delivery.delivered_on + datetime.timedelta(days=3),
            fileobj=report_pdf(),
            actor=actor,
        )
    return taken


@pytest.fixture
def accepted_cable(project, cable_batch, contractor_person, lab, alice, leo):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    sample(delivery, contractor_person, lab, leo, witness=alice.person)
    return services.delivery_accept(delivery=delivery, actor=alice)


@pytest.fixture
def used_cable(accepted_cable, floor, leo):
    """The accepted cable, 120 m of it used on the 5th floor."""
    services.usage_create(
        delivery=accepted_cable,
        location=floor,
        quantity=Decimal("120"),
        used_on=datetime.date(2025, 4, 10),
        actor=leo,
    )
    return accepted_cable


@pytest.fixture
def recorded_batch(catalogue, cement_maker, project, leo):
    """A batch the project's contractor lead recorded for the project: its records keepers
    may add its files until a delivery of it is accepted."""
    return services.batch_create(
        category=catalogue["cement"],
        manufacturer=cement_maker,
        product="普通硅酸盐水泥",
        model_spec="P·O 42.5",
        batch_number="HS250401",
        production_date=datetime.date(2025, 3, 20),
        recorded_for=project,
        actor=leo,
    )
