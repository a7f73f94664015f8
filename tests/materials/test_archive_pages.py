"""The materials tab of a project's archive, and the ledger badges of the delivery, sample and
location pages, through Django's test client: who may open them (a regulator of another
jurisdiction gets a 404), what a regulator follows from a delivery to its test report and
where the material went, that nothing there offers a write, the badge's states, and
queries that do not grow with the rows."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ledger.services import checkpoint_create
from materials.models import Delivery
from tests.materials.conftest import deliver, sample
from tests.materials.test_pages import _rows


def client_as(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def main(response) -> str:
    """The page without its layout (whose sign-out and language forms post)."""
    return text(response).split("<main", 1)[1]


def archive_url(project, query=""):
    return f"/projects/{project.pk}/archive/materials/{query}"


@pytest.fixture
def archive(project, used_cable, failed_cement):
    return archive_url(project)


@pytest.fixture
def failed_cement(project, cement_batch, contractor_person, lab, alice, leo):
    delivery = deliver(project, cement_batch, contractor_person, leo, quantity="30")
    sample(delivery, contractor_person, lab, leo, witness=alice.person, result="fail")
    return delivery


# Who may open the archive: its members, the jurisdiction's regulators, operators.
ACCESS = {
    "alice": 200,  # site supervisor
    "olga": 200,  # read-only member (the owner's legal representative)
    "reggie": 200,  # regulator of Hangzhou (330100), the project is in 330108
    "admin": 200,
    "dan": 404,  # regulator of another district of Hangzhou
    "rita": 404,  # regulator of another province
    "charlie": 404,  # member of another project
    None: 302,  # to the sign-in page
}


@pytest.mark.parametrize("actor", list(ACCESS))
def test_who_may_open_the_materials_archive(actor, archive, request):
    user = request.getfixturevalue(actor) if actor else None
    assert client_as(user).get(archive).status_code == ACCESS[actor]


def test_a_regulator_follows_a_batch_from_delivery_to_report_and_location(
    project, archive, used_cable, failed_cement, floor, reggie
):
    page = text(client_as(reggie).get(archive))
    batch = used_cable.batch
    sample_ = used_cable.samples.get()
    usage = used_cable.usages.get()
    assert f"{batch.product} {batch.batch_number}" in page
    assert batch.manufacturer.name in page
    assert f"credit code {batch.manufacturer.credit_code}" in page
    assert f"/projects/{project.pk}/deliveries/{used_cable.pk}/" in page
    assert f"/projects/{project.pk}/samples/{sample_.pk}/" in page
    assert sample_.report.report_number in page
    assert f"/deliveries/{used_cable.pk}/samples/{sample_.pk}/report/" in page
    assert f"/projects/{project.pk}/locations/{usage.location_id}/" in page
    assert "120 m" in page
    assert "2 deliveries" in page
    assert "blocked: a test failed" in page  # the failed cement
    assert "failed" in page
    # Read-only: nothing to post, no link to record anything.
    assert "<form" not in main(client_as(reggie).get(archive)).replace(
        '<form class="filters" method="get"', ""
    )
    assert "/new/" not in page
    assert 'aria-current="page">Materials' in page


def test_the_filters_narrow_by_state_and_material(archive, used_cable, failed_cement, reggie):
    client = client_as(reggie)

    def shown(query):
        page = client.get(archive + query).content.decode()
        return {d.pk for d in Delivery.objects.all() if f'id="delivery-{d.pk}"' in page}

    assert shown("") == {used_cable.pk, failed_cement.pk}
    assert shown("?state=blocked") == {failed_cement.pk}
    assert shown("?category=cable") == {used_cable.pk}


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_archive_takes_as_many_queries_for_five_deliveries_as_for_two(
    project,
    cable_batch,
    contractor_person,
    lab,
    alice,
    leo,
    floor,
    reggie,
    django_assert_max_num_queries,
):
    client = client_as(reggie)
    url = archive_url(project)
    _rows(project, cable_batch, contractor_person, lab, alice, leo, floor, 2)
    checkpoint_create()
    two = _queries(client, url)
    _rows(project, cable_batch, contractor_person, lab, alice, leo, floor, 3)
    checkpoint_create()
    # session, user, regulator?, project, categories, count, deliveries, samples, usages,
    # the layout's role, and the four of RecordChecks
    with django_assert_max_num_queries(15):
        five = _queries(client, url)
    assert five == two


def test_every_record_is_verified_once_a_checkpoint_covers_it(archive, used_cable, reggie):
    before = text(client_as(reggie).get(archive))
    assert "Awaiting checkpoint" in before
    assert "Verified" not in before
    checkpoint_create()
    after = text(client_as(reggie).get(archive))
    assert "Verified" in after
    assert "Awaiting checkpoint" not in after
    assert "Does not match the ledger" not in after


def test_a_delivery_changed_behind_the_ledgers_back_does_not_match_it(
    project, archive, used_cable, reggie
):
    checkpoint_create()
    Delivery.objects.filter(pk=used_cable.pk).update(quantity="999")
    client = client_as(reggie)
    archive_page = client.get(archive).content.decode()
    block = archive_page[archive_page.index(f'id="delivery-{used_cable.pk}"') :]
    assert "Does not match the ledger" in block[: block.index("</p>", block.index("status"))]
    detail = text(client.get(f"/projects/{project.pk}/deliveries/{used_cable.pk}/"))
    state = detail[detail.index('id="state"') :]
    assert "Does not match the ledger" in state[: state.index("</p>")]
    # In Chinese too.
    chinese = text(client_as(reggie, "zh-hans").get(archive))
    assert "与账本不符" in chinese


def test_the_detail_pages_show_their_badges_and_offer_a_regulator_nothing_to_change(
    project, used_cable, failed_cement, floor, reggie
):
    checkpoint_create()
    client = client_as(reggie)
    sample_ = used_cable.samples.get()
    pending = failed_cement.samples.get()
    urls = [
        f"/projects/{project.pk}/deliveries/{used_cable.pk}/",
        f"/projects/{project.pk}/deliveries/{failed_cement.pk}/",
        f"/projects/{project.pk}/samples/{sample_.pk}/",
        f"/projects/{project.pk}/samples/{pending.pk}/",
        f"/projects/{project.pk}/locations/{floor.pk}/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = main(response)
        assert "Verified" in page, url
        assert "Does not match the ledger" not in page, url
        assert "<form" not in page, url
        assert "/new/" not in page, url
