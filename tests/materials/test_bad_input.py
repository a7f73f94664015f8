"""Every refusal is a 4xx with a message that says what was wrong, and nothing is written."""

import datetime
import io

import pytest
from django.utils import timezone

from ledger.models import LedgerEntry
from materials.models import Batch, Delivery, Sample, Usage
from projects.models import Role
from storage.models import StoredObject
from tests.conftest import lead_of
from tests.materials.conftest import deliver, sample
from tests.storage.samples import pdf

TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


@pytest.fixture
def nothing_written(db):
    """Asserts after the test that no materials row and no ledger entry was added by the
    refused request itself (the fixture's own setup runs before the snapshot)."""

    class Snapshot:
        def take(self):
            self.counts = self.now()

        def now(self):
            return [
                m.objects.count()
                for m in (Batch, Delivery, Sample, Usage, LedgerEntry, StoredObject)
            ]

        def unchanged(self):
            return self.now() == self.counts

    return Snapshot()


def post_delivery(client, project, batch, person, **overrides):
    body = {
        "batch": batch.pk,
        "quantity": "100",
        "unit": batch.category.unit,
        "delivered_on": "2025-04-01",
        "inspected_by": person.pk,
        **overrides,
    }
    return client.post(f"/api/v1/projects/{project.pk}/deliveries/", body, format="json")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"quantity": "0"}, "quantity", "greater than zero"),
        ({"quantity": "-5"}, "quantity", "greater than zero"),
        ({"unit": "t"}, "unit", "is counted in metres, not tonnes"),
        ({"delivered_on": "2025-03-01"}, "delivered_on", "before the batch was produced"),
        ({"delivered_on": TOMORROW}, "delivered_on", "in the future"),
    ],
)
def test_a_bad_delivery_is_refused_with_a_message(
    api_as, project, cable_batch, contractor_person, leo, nothing_written, overrides, field, message
):
    nothing_written.take()
    response = post_delivery(api_as("leo"), project, cable_batch, contractor_person, **overrides)
    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert nothing_written.unchanged()


def test_a_delivery_inspected_by_someone_outside_the_contractor_is_refused(
    api_as, project, cable_batch, alice, leo, nothing_written
):
    nothing_written.take()
    response = post_delivery(api_as("leo"), project, cable_batch, alice.person)
    assert response.status_code == 400
    assert "inspected by the contractor" in response.json()["inspected_by"][0]
    assert nothing_written.unchanged()


def test_a_duplicate_batch_number_from_the_same_manufacturer_is_refused(
    api_as, cable_batch, cable_maker, leo, nothing_written
):
    nothing_written.take()
    response = api_as("leo").post(
        "/api/v1/batches/",
        {
            "category": "cable",
            "manufacturer": cable_maker.pk,
            "product": cable_batch.product,
            "model_spec": "BV",
            "batch_number": cable_batch.batch_number,
            "production_date": "2025-03-01",
            "ccc_certificate_number": "2020010105123456",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "already has a batch with this number" in response.json()["non_field_errors"][0]
    assert nothing_written.unchanged()


def test_a_batch_produced_in_the_future_is_refused(api_as, catalogue, cement_maker, leo):
    response = api_as("leo").post(
        "/api/v1/batches/",
        {
            "category": "cement",
            "manufacturer": cement_maker.pk,
            "product": "水泥",
            "model_spec": "P·O 42.5",
            "batch_number": "F1",
            "production_date": TOMORROW,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "in the future" in response.json()["production_date"][0]


def test_a_witness_not_authorized_on_the_project_is_refused(
    api_as, project, cable_batch, contractor_person, lab, leo, charlie, nothing_written
):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    designer = lead_of(project, Role.DESIGN).person  # leo sees him; he has no account here
    nothing_written.take()

    def post_sample(witness):
        return api_as("leo").post(
            f"/api/v1/projects/{project.pk}/deliveries/{delivery.pk}/samples/",
            {
                "seal_number": "FY-9",
                "sampling_location": "堆场",
                "sampled_on": "2025-04-01",
                "sampler": contractor_person.pk,
                "witness": witness.pk,
                "testing_lab": lab.pk,
            },
            format="json",
        )

    response = post_sample(designer)
    assert response.status_code == 400
    assert "not authorized as a witness" in response.json()["witness"][0]
    # charlie works on another project: leo cannot see him, so his name is not given either.
    hidden = post_sample(charlie.person)
    assert hidden.status_code == 400
    assert "you do not have access to it" in hidden.json()["witness"][0]
    assert charlie.person.name not in hidden.content.decode()
    assert nothing_written.unchanged()


def test_accepting_a_delivery_whose_required_sample_failed_writes_nothing(
    api_as, project, cable_batch, contractor_person, lab, alice, leo, nothing_written
):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    sample(delivery, contractor_person, lab, leo, witness=alice.person, result="fail")
    nothing_written.take()
    response = api_as("alice").post(
        f"/api/v1/projects/{project.pk}/deliveries/{delivery.pk}/accept/"
    )
    assert response.status_code == 400
    assert "failed its test" in response.json()["non_field_errors"][0]
    assert nothing_written.unchanged()


@pytest.mark.parametrize(
    ("quantity", "used_on", "field", "message"),
    [
        ("0", "2025-04-10", "quantity", "greater than zero"),
        ("-1", "2025-04-10", "quantity", "greater than zero"),
        ("1000.5", "2025-04-10", "quantity", "Only 1000 metres"),
        ("10", "2025-03-20", "used_on", "before it was delivered"),
        ("10", TOMORROW, "used_on", "in the future"),
    ],
)
def test_a_bad_usage_is_refused_with_a_message(
    api_as, project, accepted_cable, floor, leo, nothing_written, quantity, used_on, field, message
):
    nothing_written.take()
    response = api_as("leo").post(
        f"/api/v1/projects/{project.pk}/usages/",
        {
            "delivery": accepted_cable.pk,
            "location": floor.pk,
            "quantity": quantity,
            "used_on": used_on,
        },
        format="json",
    )
    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert nothing_written.unchanged()


def test_a_disguised_file_is_refused_and_nothing_is_stored(
    api_as, project, cable_batch, contractor_person, leo, nothing_written
):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    nothing_written.take()
    disguised = io.BytesIO(pdf("not a photo"))
    disguised.name = "label.jpg"
    response = api_as("leo").post(
        f"/api/v1/projects/{project.pk}/deliveries/{delivery.pk}/photos/",
        {"photo_of": "label", "file": disguised},
        format="multipart",
    )
    assert response.status_code == 400
    assert "looks like a PDF document, not a JPEG image" in response.json()["non_field_errors"][0]
    assert nothing_written.unchanged()


def test_the_refusal_is_in_chinese_for_a_chinese_client(
    project, cable_batch, contractor_person, leo
):
    from rest_framework.test import APIClient

    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(leo)
    response = post_delivery(client, project, cable_batch, contractor_person, quantity="0")
    assert response.status_code == 400
    assert response.json()["quantity"] == ["数量必须大于零。"]


def test_a_hidden_inspector_is_refused_like_a_missing_one_and_not_named(
    api_as, project, other_project, cable_batch, contractor_person, charlie, nothing_written
):
    """charlie cannot see 李国强 (404 on his detail); the delivery form must not tell him
    the name either, nor whether the id exists."""
    client = api_as("charlie")
    assert client.get(f"/api/v1/people/{contractor_person.pk}/").status_code == 404
    nothing_written.take()
    hidden = post_delivery(client, other_project, cable_batch, contractor_person)
    missing = post_delivery(
        client, other_project, cable_batch, contractor_person, inspected_by=999999
    )
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["inspected_by"][0] == missing.json()["inspected_by"][0].replace(
        "999999", str(contractor_person.pk)
    )
    assert contractor_person.name not in hidden.content.decode()
    assert nothing_written.unchanged()
