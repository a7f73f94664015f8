"""A synthetic archive for benchmarks: projects, batches, deliveries and usages at scale.

Written with ``bulk_create`` in committed chunks, WITHOUT the services and WITHOUT ledger
entries: per-row services would take hours at benchmark sizes, and ledger entries for made-up
records would put fiction into the tamper-evident log. Every materials row is marked
``synthetic=True`` and every project is named ``[SYNTH] …``, and ``verify_archive`` reports
them as written without a ledger entry — which is true. Never run this on a real archive.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from materials.models import Batch, Delivery, MaterialCategory, Usage
from materials.services import material_catalogue_install
from projects import services as project_services
from projects.models import (
    LeadTenure,
    Location,
    Membership,
    Organization,
    Participation,
    Person,
    Project,
    Role,
    UnitWork,
)
from projects.validators import credit_code_check_char, id_number_check_char

SYNTH_PREFIX = "[SYNTH] "
# Hangzhou's districts (上城 拱墅 西湖 滨江 萧山 余杭 富阳 临安): every synthetic project lies in
# the demo regulator's jurisdiction (330100), so the jurisdiction dashboard is measured over all
# of them, spread over eight districts to filter by.
JURISDICTIONS = ["330102", "330105", "330106", "330108", "330109", "330110", "330111", "330112"]
PRODUCTS = {"cable": "合成聚氯乙烯绝缘电缆", "cement": "合成普通硅酸盐水泥"}
LOCATIONS_PER_PROJECT = 8
MANUFACTURERS = 20
START = datetime.date(2024, 1, 1)

Progress = Callable[[str, int, int, float], None]


def _credit_code(n: int) -> str:
    first17 = f"91990000{n:09d}"
    return first17 + credit_code_check_char(first17)


def _id_number(n: int) -> str:
    first17 = f"11010119800101{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


class Synthesizer:
    def __init__(self, *, chunk: int = 5000, seed: int = 4, progress: Progress | None = None):
        self.chunk = chunk
        self.random = random.Random(seed)
        self.progress = progress or (lambda *args: None)

    def _chunks(self, label: str, total: int, make: Callable[[int, int], list]) -> list[int]:
        """Build ``total`` rows ``chunk`` at a time, each chunk committed on its own, so an
        interrupted run keeps what it wrote."""
        ids: list[int] = []
        started = time.monotonic()
        for first in range(0, total, self.chunk):
            count = min(self.chunk, total - first)
            with transaction.atomic():
                ids.extend(obj.pk for obj in make(first, count))
            elapsed = time.monotonic() - started
            self.progress(label, len(ids), total, len(ids) / elapsed if elapsed else 0.0)
        return ids

    @transaction.atomic
    def _people(self):
        """A few real people and accounts, made through the services (they are few)."""
        User = get_user_model()
        supervisor_user, _ = User.objects.get_or_create(username="synth-supervisor")
        organizations = []
        for role in (Role.CONTRACTOR, Role.SUPERVISOR, Role.OWNER, Role.SURVEY, Role.DESIGN):
            number = 900 + len(organizations)
            org = Organization.objects.filter(credit_code=_credit_code(number)).first()
            if org is None:
                org = project_services.organization_create(
                    name=f"{SYNTH_PREFIX}{role.label}", credit_code=_credit_code(number), actor=None
                )
            organizations.append(org)
        people = []
        for index, org in enumerate(organizations):
            person = Person.objects.filter(organization=org).first()
            if person is None:
                person = project_services.person_create(
                    name=f"合成人员{index}",
                    id_number=_id_number(9000 + index),
                    organization=org,
                    user=supervisor_user if index == 1 else None,
                    actor=None,
                )
            people.append(person)
        return supervisor_user, organizations, people

    def run(self, *, projects: int, batches: int, deliveries: int, usages: int) -> dict:
        material_catalogue_install()
        categories = {c.code: c for c in MaterialCategory.objects.filter(code__in=PRODUCTS)}
        supervisor_user, organizations, people = self._people()
        contractor, supervisor_org = organizations[0], organizations[1]
        roles = [Role.CONTRACTOR, Role.SUPERVISOR, Role.OWNER, Role.SURVEY, Role.DESIGN]
        project_locations: dict[int, list[int]] = {}

        def make_projects(first, count):
            made = Project.objects.bulk_create(
                Project(
                    name=f"{SYNTH_PREFIX}工程{first + i:06d}",
                    jurisdiction_code=JURISDICTIONS[(first + i) % len(JURISDICTIONS)],
                    stage=Project.Stage.UNDER_CONSTRUCTION,
                )
                for i in range(count)
            )
            participations = Participation.objects.bulk_create(
                Participation(project=p, organization=org, role=role)
                for p in made
                for role, org in zip(roles, organizations, strict=True)
            )
            LeadTenure.objects.bulk_create(
                LeadTenure(
                    project_id=part.project_id,
                    role=part.role,
                    participation=part,
                    person=people[roles.index(part.role)],
                    start_date=START,
                )
                for part in participations
            )
            Membership.objects.bulk_create(
                Membership(
                    user=supervisor_user,
                    project=p,
                    organization=supervisor_org,
                    role=Membership.Role.SITE_SUPERVISOR,
                )
                for p in made
            )
            works = UnitWork.objects.bulk_create(
                UnitWork(
                    project=p,
                    name="1号楼",
                    structure_type=UnitWork.StructureType.FRAME,
                    floors_above=LOCATIONS_PER_PROJECT,
                    gross_area=Decimal("10000"),
                    design_service_life_years=50,
                )
                for p in made
            )
            locations = Location.objects.bulk_create(
                Location(unit_work=w, kind=Location.Kind.FLOOR, name=f"{n + 1}层")
                for w in works
                for n in range(LOCATIONS_PER_PROJECT)
            )
            by_work = {w.pk: w.project_id for w in works}
            for location in locations:
                project_locations.setdefault(by_work[location.unit_work_id], []).append(location.pk)
            return made

        project_ids = self._chunks("projects", projects, make_projects)

        manufacturers = []
        with transaction.atomic():
            for n in range(MANUFACTURERS):
                code = _credit_code(1000 + n)
                org = Organization.objects.filter(credit_code=code).first()
                if org is None:
                    org = Organization.objects.create(
                        name=f"{SYNTH_PREFIX}生产厂家{n:02d}", credit_code=code
                    )
                manufacturers.append(org)
        batch_meta: dict[int, Batch] = {}
        run_tag = self.random.randrange(36**4)

        def make_batches(first, count):
            made = []
            for i in range(first, first + count):
                code = "cable" if i % 2 == 0 else "cement"
                made.append(
                    Batch(
                        category=categories[code],
                        manufacturer=manufacturers[i % MANUFACTURERS],
                        product=PRODUCTS[code],
                        model_spec="合成规格",
                        # Consecutive numbers per manufacturer, so a range is a slice.
                        batch_number=f"S{run_tag:05d}-{i // MANUFACTURERS:07d}",
                        production_date=START + datetime.timedelta(days=i % 300),
                        ccc_certificate_number="2020010105000000" if code == "cable" else "",
                        synthetic=True,
                    )
                )
            made = Batch.objects.bulk_create(made)
            for batch in made:
                batch_meta[batch.pk] = batch
            return made

        batch_ids = self._chunks("batches", batches, make_batches)
        delivery_meta: dict[int, tuple[int, Decimal]] = {}
        pick = self.random.choice

        def make_deliveries(first, count):
            made = []
            for _ in range(count):
                batch = batch_meta[pick(batch_ids)]
                delivered_on = batch.production_date + datetime.timedelta(days=10)
                made.append(
                    Delivery(
                        project_id=pick(project_ids),
                        batch_id=batch.pk,
                        quantity=Decimal("1000"),
                        unit=batch.category.unit,
                        delivered_on=delivered_on,
                        inspected_by=people[0],
                        state=Delivery.State.ACCEPTED,
                        decided_by=supervisor_user,
                        synthetic=True,
                    )
                )
            made = Delivery.objects.bulk_create(made)
            for delivery in made:
                delivery_meta[delivery.pk] = (delivery.project_id, delivery.delivered_on)
            return made

        delivery_ids = self._chunks("deliveries", deliveries, make_deliveries)

        def make_usages(first, count):
            made = []
            for _ in range(count):
                delivery_id = pick(delivery_ids)
                project_id, delivered_on = delivery_meta[delivery_id]
                made.append(
                    Usage(
                        delivery_id=delivery_id,
                        location_id=pick(project_locations[project_id]),
                        installer=contractor,
                        quantity=Decimal("1"),
                        used_on=delivered_on + datetime.timedelta(days=5),
                        synthetic=True,
                    )
                )
            return Usage.objects.bulk_create(made)

        usage_ids = self._chunks("usages", usages, make_usages)
        return {
            "projects": len(project_ids),
            "batches": len(batch_ids),
            "deliveries": len(delivery_ids),
            "usages": len(usage_ids),
            "run_tag": f"S{run_tag:05d}",
        }
