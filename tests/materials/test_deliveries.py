"""A batch from the factory to the building: delivery, witness sample, test report,
acceptance by the supervisor, usage at a location."""

import datetime

import pytest

from ledger.models import LedgerEntry
from materials import services
from materials.models import Batch, Delivery, Usage
from projects.models import Role
from tests.conftest import organization_of
from tests.materials.conftest import DAY, deliver, label_photo, report_pdf, sample


def deliveries_url(project):
    return f"/api/v1/projects/{project.pk}/deliveries/"


def test_a_contractor_records_a_batch_and_its_delivery_through_the_api(
    api_as, project, catalogue, cable_maker, contractor_person, leo
):
    client = api_as("leo")
    response = client.post(
        "/api/v1/batches/",
        {
            "category": "cable",
            "manufacturer": cable_maker.pk,
            "product": "聚氯乙烯绝缘电缆",
            "model_spec": "BV 2.5mm²",
            "batch_number": "B2503-001",
            "production_date": "2025-03-01",
            "ccc_certificate_number": "2020010105123456",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    batch_id = response.json()["id"]
    response = client.post(
        deliveries_url(project),
        {
            "batch": batch_id,
            "quantity": "2000",
            "unit": "m",
            "delivered_on": "2025-04-01",
            "inspected_by": contractor_person.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "pending"
    assert body["batch_number"] == "B2503-001"
    assert LedgerEntry.objects.filter(
        record_type="materials.delivery", record_id=str(body["id"]), action="create"
    ).exists()


def test_a_cable_batch_needs_its_ccc_certificate_number(
    api_as, project, catalogue, cable_maker, leo
):
    response = api_as("leo").post(
        "/api/v1/batches/",
        {
            "category": "cable",
            "manufacturer": cable_maker.pk,
            "product": "电缆",
            "model_spec": "BV",
            "batch_number": "X1",
            "production_date": "2025-03-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "CCC" in response.json()["ccc_certificate_number"][0]
    assert not Batch.objects.exists()


def test_the_witnessed_and_passed_delivery_is_accepted_by_the_site_supervisor(
    api_as, project, cable_batch, contractor_person, lab, alice, leo
):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    sample(delivery, contractor_person, lab, leo, witness=alice.person)
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SAMPLED
    response = api_as("alice").post(f"{deliveries_url(project)}{delivery.pk}/accept/")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "accepted"
    assert response.json()["decided_by"] == "alice"


def test_the_contractor_cannot_accept_its_own_delivery(
    api_as, project, cable_batch, contractor_person, lab, alice, leo
):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    sample(delivery, contractor_person, lab, leo, witness=alice.person)
    response = api_as("leo").post(f"{deliveries_url(project)}{delivery.pk}/accept/")
    assert response.status_code == 403
    assert "site supervisors" in response.json()["detail"]
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SAMPLED


def test_a_delivery_whose_sample_failed_cannot_be_accepted_and_is_listed_as_blocked(
    api_as, project, cable_batch, contractor_person, lab, alice, leo, reggie, rita, charlie
):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    sample(delivery, contractor_person, lab, leo, witness=alice.person, result="fail")
    response = api_as("alice").post(f"{deliveries_url(project)}{delivery.pk}/accept/")
    assert response.status_code == 400
    assert "failed its test" in response.json()["non_field_errors"][0]
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SAMPLED
    for name, expected in [("alice", 1), ("reggie", 1), ("admin", 1), ("rita", 0), ("charlie", 0)]:
        response = api_as(name).get("/api/v1/blocked-deliveries/")
        assert response.status_code == 200
        assert response.json()["count"] == expected, name
    listed = api_as("alice").get(deliveries_url(project) + "?has_failed_test=true").json()
    assert [row["id"] for row in listed["results"]] == [delivery.pk]


def test_an_untested_required_sample_blocks_acceptance(
    api_as, project, cable_batch, contractor_person, lab, alice, leo
):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    response = api_as("alice").post(f"{deliveries_url(project)}{delivery.pk}/accept/")
    assert response.status_code == 400
    assert "needs a witness sample" in response.json()["non_field_errors"][0]
    sample(delivery, contractor_person, lab, leo, witness=alice.person, result=None)
    response = api_as("alice").post(f"{deliveries_url(project)}{delivery.pk}/accept/")
    assert response.status_code == 400
    assert "no test report yet" in response.json()["non_field_errors"][0]


def test_a_rejected_delivery_is_removed_from_site_and_cannot_be_used(
    api_as, project, cable_batch, contractor_person, lab, alice, leo, floor
):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    sample(delivery, contractor_person, lab, leo, witness=alice.person, result="fail")
    response = api_as("alice").post(
        f"{deliveries_url(project)}{delivery.pk}/reject/",
        {"reason": "导体电阻不合格", "removed_on": "2025-04-05"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "rejected"
    response = api_as("leo").post(
        f"/api/v1/projects/{project.pk}/usages/",
        {"delivery": delivery.pk, "location": floor.pk, "quantity": "10", "used_on": "2025-04-06"},
        format="json",
    )
    assert response.status_code == 400
    assert "Only accepted deliveries" in response.json()["non_field_errors"][0]


def test_samples_and_their_reports_are_recorded_through_the_api(
    api_as, project, cable_batch, contractor_person, lab, alice, leo
):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    url = f"{deliveries_url(project)}{delivery.pk}/samples/"
    response = api_as("leo").post(
        url,
        {
            "seal_number": "FY-0001",
            "sampling_location": "材料堆场",
            "sampled_on": "2025-04-01",
            "sampler": contractor_person.pk,
            "witness": alice.person.pk,
            "testing_lab": lab.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["is_witnessed"] is True
    sample_id = response.json()["id"]
    response = api_as("leo").post(
        f"{url}{sample_id}/report/",
        {
            "report_number": "HZJC-2025-0412",
            "result": "pass",
            "tested_on": "2025-04-04",
            "file": report_pdf(),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["report"]["result"] == "pass"
    listed = api_as("reggie").get(url)
    assert listed.json()["results"][0]["report"]["report_number"] == "HZJC-2025-0412"


def test_label_photos_are_stored_with_the_delivery(
    api_as, project, cable_batch, contractor_person, leo
):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    response = api_as("leo").post(
        f"{deliveries_url(project)}{delivery.pk}/photos/",
        {"photo_of": "label", "file": label_photo()},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "image/jpeg"


def test_usages_draw_down_an_accepted_delivery_to_its_delivered_quantity(
    api_as, project, accepted_cable, floor, leo
):
    url = f"/api/v1/projects/{project.pk}/usages/"
    body = {"delivery": accepted_cable.pk, "location": floor.pk, "used_on": "2025-04-10"}
    response = api_as("leo").post(url, {**body, "quantity": "600"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["installer_name"] == organization_of(project, Role.CONTRACTOR).name
    response = api_as("leo").post(url, {**body, "quantity": "400.001"}, format="json")
    assert response.status_code == 400
    assert "Only 400 metres" in response.json()["quantity"][0]
    response = api_as("leo").post(url, {**body, "quantity": "400"}, format="json")
    assert response.status_code == 201
    delivery = api_as("alice").get(f"{deliveries_url(project)}{accepted_cable.pk}/").json()
    assert delivery["used_quantity"] == "1000.000"


@pytest.mark.django_db(transaction=True)
def test_concurrent_usages_cannot_together_exceed_the_delivery(
    project, cable_batch, contractor_person, lab, alice, leo, floor
):
    import threading

    from django.db import connection

    delivery = deliver(project, cable_batch, contractor_person, leo)
    sample(delivery, contractor_person, lab, leo, witness=alice.person)
    services.delivery_accept(delivery=delivery, actor=alice)
    barrier = threading.Barrier(4)
    outcomes = []

    def use():
        try:
            barrier.wait()
            services.usage_create(
                delivery=delivery,
                location=floor,
                quantity=300,
                used_on=DAY + datetime.timedelta(days=5),
                actor=leo,
            )
            outcomes.append("ok")
        except Exception as error:  # noqa: BLE001 - the refusal is what we count
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 3
    assert outcomes.count("ValidationError") == 1
    assert sum(u.quantity for u in Usage.objects.filter(delivery=delivery)) == 900


def test_structural_categories_below_thirty_percent_witnessed_are_flagged(
    api_as, project, cement_batch, contractor_person, lab, alice, leo
):
    delivery = deliver(project, cement_batch, contractor_person, leo, quantity="50")
    sample(delivery, contractor_person, lab, leo, witness=alice.person)
    for _ in range(3):
        sample(delivery, contractor_person, lab, leo)
    response = api_as("reggie").get(f"/api/v1/projects/{project.pk}/witness-share/")
    assert response.status_code == 200
    assert response.json() == [
        {
            "category": "cement",
            "category_name": "水泥",
            "samples": 4,
            "witnessed": 1,
            "witnessed_share": "0.250",
            "below_required_share": True,
        }
    ]
    sample(delivery, contractor_person, lab, leo, witness=alice.person)
    row = api_as("reggie").get(f"/api/v1/projects/{project.pk}/witness-share/").json()[0]
    assert row["below_required_share"] is False
