"""List endpoints take the same number of queries for one row as for many."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from materials import services
from tests.materials.conftest import deliver, sample


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


def _add_rows(project, batch, person, lab, alice, leo, floor, n):
    for _ in range(n):
        delivery = deliver(project, batch, person, leo, quantity="10")
        sample(delivery, person, lab, leo, witness=alice.person)
        services.delivery_accept(delivery=delivery, actor=alice)
        services.usage_create(
            delivery=delivery,
            location=floor,
            quantity=Decimal("1"),
            used_on=datetime.date(2025, 4, 10),
            actor=leo,
        )


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/projects/{project}/deliveries/",
        "/api/v1/projects/{project}/usages/",
        "/api/v1/projects/{project}/deliveries/{delivery}/samples/",
        "/api/v1/batches/",
        "/api/v1/blocked-deliveries/",
        "/api/v1/defect-notices/",
        "/api/v1/defect-notices/{notice}/hits/",
    ],
)
def test_list_endpoints_take_the_same_number_of_queries_for_many_rows(
    api_as,
    project,
    cable_batch,
    contractor_person,
    lab,
    alice,
    leo,
    floor,
    reggie,
    url,
    django_assert_num_queries,
):
    _add_rows(project, cable_batch, contractor_person, lab, alice, leo, floor, 1)
    first = project.deliveries.get()
    notice = services.defect_notice_issue(
        manufacturer=cable_batch.manufacturer,
        product=cable_batch.product,
        batch_number_from="B0",
        batch_number_to="B9",
        source="抽查通报",
        issued_on=datetime.date(2025, 6, 1),
        actor=reggie,
    )
    url = url.format(project=project.pk, delivery=first.pk, notice=notice.pk)
    client = api_as("reggie")
    few = _queries(client, url)
    _add_rows(project, cable_batch, contractor_person, lab, alice, leo, floor, 5)
    with django_assert_num_queries(few):
        client.get(url)
