"""Records kept in the archive (here organizations and the rest of a project) are checked
against their latest ledger entry."""

import pytest

from ledger.models import LedgerEntry
from ledger.verify import Kind, verify_archive
from projects import services
from projects.models import Organization
from tests.conftest import credit_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization(admin):
    return services.organization_create(
        name="杭州恒信检测有限公司", credit_code=credit_code("91330108MA2H1TQ5X"), actor=admin
    )


def _entry_of(organization) -> LedgerEntry:
    return LedgerEntry.objects.filter(
        record_type="projects.organization", record_id=str(organization.pk)
    ).latest("index")


def test_a_whole_project_written_through_the_services_verifies_clean(project):
    assert verify_archive() == []


def test_a_record_changed_outside_the_archive_is_reported(organization):
    Organization.objects.filter(pk=organization.pk).update(name="冒名顶替有限公司")
    findings = verify_archive()
    assert [finding.kind for finding in findings] == [Kind.RECORD_CHANGED]
    assert findings[0].message == (
        f"Organization {organization.pk} was changed outside the archive: its content no"
        f" longer matches ledger entry #{_entry_of(organization).index}."
    )


def test_a_record_deleted_outside_the_archive_is_reported(organization):
    index = _entry_of(organization).index
    Organization.objects.filter(pk=organization.pk).delete()
    findings = verify_archive()
    assert [finding.kind for finding in findings] == [Kind.RECORD_DELETED]
    assert findings[0].message == (
        f"Organization {organization.pk} was deleted outside the archive: its last ledger"
        f" entry is #{index}."
    )


def test_a_record_written_without_a_ledger_entry_is_reported(db):
    smuggled = Organization.objects.create(
        name="未登记公司", credit_code=credit_code("91330108MA2H1TQ6X")
    )
    findings = verify_archive()
    assert [finding.message for finding in findings] == [
        f"Organization {smuggled.pk} was written without a ledger entry."
    ]


def test_a_decimal_or_date_given_as_text_hashes_as_the_row_reads_back(admin):
    from decimal import Decimal

    project = services.project_create(name="测试工程", jurisdiction_code="330108", actor=admin)
    unit_work = services.unit_work_create(
        project=project,
        name="1号楼",
        structure_type="frame",
        floors_above=6,
        gross_area="5000",
        design_service_life_years=50,
        start_date="2025-03-01",
        actor=admin,
    )
    unit_work.refresh_from_db()
    assert unit_work.gross_area == Decimal("5000.00")
    assert verify_archive() == []
