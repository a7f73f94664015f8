"""Operators edit the catalogue in the admin through the service; batch files go to the
object store; the recall outputs are closed to outsiders."""

import pytest

from ledger.models import LedgerEntry
from materials.models import MaterialCategory
from tests.materials.conftest import named, report_pdf
from tests.storage.samples import jpeg


@pytest.fixture
def operator(client, admin):
    client.force_login(admin)
    return client


def test_an_operator_edits_a_category_in_the_admin_and_the_change_is_ledgered(operator, catalogue):
    cement = catalogue["cement"]
    response = operator.post(
        f"/admin/materials/materialcategory/{cement.pk}/change/",
        {
            "code": "cement",
            "name": "水泥",
            "unit": "t",
            "witness_sampling_required": "on",
            "structural": "on",
            "retest_items": "强度；安定性；凝结时间；细度",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert MaterialCategory.objects.get(pk=cement.pk).retest_items.endswith("细度")
    assert LedgerEntry.objects.filter(
        record_type="materials.materialcategory", record_id=str(cement.pk), action="update"
    ).exists()


@pytest.mark.parametrize(
    "page",
    [
        "/admin/materials/materialcategory/",
        "/admin/materials/batch/",
        "/admin/materials/delivery/",
        "/admin/materials/defectnotice/",
    ],
)
def test_the_admin_lists_open(operator, accepted_cable, page):
    assert operator.get(page).status_code == 200


def test_a_certificate_of_conformity_is_attached_to_a_batch(api_as, recorded_batch, leo):
    response = api_as("leo").post(
        f"/api/v1/batches/{recorded_batch.pk}/files/",
        {"document": "certificate_of_conformity", "file": report_pdf()},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert len(response.json()["certificate_of_conformity_sha256"]) == 64


def test_a_type_test_report_must_really_be_a_pdf_or_an_image(api_as, recorded_batch, leo):
    response = api_as("leo").post(
        f"/api/v1/batches/{recorded_batch.pk}/files/",
        {"document": "type_test_report", "file": named(b"MZ\x90\x00not a report", "report.pdf")},
        format="multipart",
    )
    assert response.status_code == 400
    scan = api_as("leo").post(
        f"/api/v1/batches/{recorded_batch.pk}/files/",
        {"document": "type_test_report", "file": named(jpeg(), "scan.jpg")},
        format="multipart",
    )
    assert scan.status_code == 201


def test_read_only_roles_cannot_attach_batch_files(api_as, recorded_batch, olga, reggie):
    for name in ("olga", "reggie"):
        response = api_as(name).post(
            f"/api/v1/batches/{recorded_batch.pk}/files/",
            {"document": "type_test_report", "file": report_pdf()},
            format="multipart",
        )
        assert response.status_code == 403, name


def test_outsiders_cannot_read_a_notices_csv_or_pdf(
    api_as, accepted_cable, cable_batch, admin, charlie
):
    from materials.services import defect_notice_issue

    notice = defect_notice_issue(
        manufacturer=cable_batch.manufacturer,
        product=cable_batch.product,
        batches=[cable_batch],
        source="抽查通报",
        issued_on=accepted_cable.delivered_on,
        actor=admin,
    )
    for suffix in ("hits/", "hits.csv", "report.pdf"):
        assert (
            api_as("charlie").get(f"/api/v1/defect-notices/{notice.pk}/{suffix}").status_code == 404
        )
