"""The acceptance tab of a project's archive through Django's test client: who may open it
(a regulator of another jurisdiction gets a 404), the GB 50300 tree with each record's
state, sign-offs and photos (taken vs received, what looks wrong), the unit-work picker,
the ledger badges, and queries that do not grow with the records."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inspections import services
from inspections.models import AcceptanceRecord, SignOff
from jobs.engine import run_queued
from ledger.services import checkpoint_create
from projects import services as project_services
from tests.conftest import PASSWORD
from tests.inspections.conftest import DAY
from tests.inspections.photos import jpeg, named


def client_as(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def archive_url(project, query=""):
    return f"/projects/{project.pk}/archive/acceptance/{query}"


def photo(record, actor, *, taken, caption):
    made, _new = services.photo_ingest(
        subject=record,
        fileobj=named(jpeg((64, 48), taken=taken), f"{caption}.jpg"),
        actor=actor,
        caption=caption,
    )
    run_queued()  # its preview and thumbnail
    return made


@pytest.fixture
def signed_lot(tree, alice, quinn):
    """The lot with two photos (one taken seven weeks before its date), submitted and
    signed by the supervising engineer and the quality inspector."""
    lot = tree["lot"]
    photo(lot, alice, taken="2025:06:10 09:30:00", caption="柱钢筋绑扎")
    photo(lot, alice, taken="2025:04:20 09:30:00", caption="旧照片")
    lot = services.record_submit(record=lot, actor=alice)
    for signer in (alice, quinn):
        services.record_sign(record=lot, user=signer, password=PASSWORD)
    return lot


ACCESS = {
    "alice": 200,
    "olga": 200,
    "reggie": 200,
    "admin": 200,
    "dan": 404,
    "rita": 404,
    "charlie": 404,
    None: 302,
}


@pytest.mark.parametrize("actor", list(ACCESS))
def test_who_may_open_the_acceptance_archive(actor, project, tree, request):
    user = request.getfixturevalue(actor) if actor else None
    assert client_as(user).get(archive_url(project)).status_code == ACCESS[actor]


def test_a_regulator_sees_the_tree_with_sign_offs_and_photos_and_what_looks_wrong(
    project, tree, signed_lot, reggie
):
    response = client_as(reggie).get(archive_url(project))
    page = text(response)
    for record in tree.values():
        assert f"/projects/{project.pk}/acceptance-records/{record.pk}/" in page
    assert "inspection lot" in page
    assert "submitted" in page
    assert "specialist supervising engineer" in page
    assert "contractor quality inspector" in page
    assert page.count('class="sign-off"') == 2
    assert page.count('class="archive-photo"') == 1
    assert page.count('class="archive-photo flagged"') == 1
    assert "taken far from the record's date" in page
    assert "taken 2025-04-20 09:30 (+08:00)" in page
    assert "received " in page
    assert "/thumbnail/" in page
    assert "/preview/" in page
    assert "<form" not in page.split("<main", 1)[1]  # one unit work: no picker, no action


def test_the_badges_say_verified_after_a_checkpoint_and_mismatch_after_a_database_edit(
    project, tree, signed_lot, reggie
):
    client = client_as(reggie)
    assert "Awaiting checkpoint" in text(client.get(archive_url(project)))
    checkpoint_create()
    page = text(client.get(archive_url(project)))
    assert "Awaiting checkpoint" not in page
    assert "Does not match the ledger" not in page
    # 4 records, 2 sign-offs, 2 photos
    assert page.count(">Verified<") == 8
    AcceptanceRecord.objects.filter(pk=tree["unit"].pk).update(title="改过的单位工程")
    page = text(client_as(reggie, "zh-hans").get(archive_url(project)))
    assert page.count("与账本不符") == 1


def test_the_unit_work_picker_shows_another_building_and_refuses_anothers(
    project, tree, building, other_project, admin, reggie
):
    second = project_services.unit_work_create(
        project=project,
        name="4号楼",
        structure_type="frame",
        floors_above=6,
        gross_area="3200",
        design_service_life_years=50,
        actor=admin,
    )
    services.record_create(
        project=project,
        unit_work=second,
        level="unit",
        title="4号楼单位工程",
        date=DAY,
        actor=admin,
    )
    client = client_as(reggie)
    first = text(client.get(archive_url(project)))
    assert 'name="unit_work"' in first
    assert "3号楼单位工程" in first
    assert "4号楼单位工程" not in first
    page = text(client.get(archive_url(project, f"?unit_work={second.pk}")))
    assert "4号楼单位工程" in page
    assert "3号楼单位工程" not in page
    foreign = project_services.unit_work_create(
        project=other_project,
        name="南京1号楼",
        structure_type="frame",
        floors_above=3,
        gross_area="900",
        design_service_life_years=50,
        actor=admin,
    )
    assert client.get(archive_url(project, f"?unit_work={foreign.pk}")).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def _lots(project, tree, admin, count, signers=()):
    """``count`` more lots with a photo each, signed by ``signers``; every sign-off then
    without its snapshot, as those recorded before snapshots were (the page reads the
    signer and their employer instead)."""
    for number in range(count):
        lot = services.record_create(
            project=project,
            unit_work=tree["unit"].unit_work,
            level="inspection_lot",
            parent=tree["sub_item"],
            title=f"{number + 3}层柱钢筋安装检验批",
            date=DAY,
            actor=admin,
        )
        photo(lot, admin, taken="2025:06:10 10:00:00", caption=f"lot-{lot.pk}")
        if signers:
            lot = services.record_submit(record=lot, actor=admin)
        for signer in signers:
            services.record_sign(record=lot, user=signer, password=PASSWORD)
    SignOff.objects.update(person_snapshot=None)


def test_the_archive_takes_as_many_queries_for_six_lots_as_for_three(
    project, tree, signed_lot, admin, alice, quinn, reggie, django_assert_max_num_queries
):
    client = client_as(reggie)
    _lots(project, tree, admin, 2, signers=(alice, quinn))
    checkpoint_create()
    three = _queries(client, archive_url(project))
    _lots(project, tree, admin, 3, signers=(alice, quinn))
    checkpoint_create()
    # session, user, regulator?, project, unit works, records, sign-offs, concealed works,
    # children, locations, photos, the layout's role, and the four of RecordChecks
    with django_assert_max_num_queries(17):
        six = _queries(client, archive_url(project))
    assert six == three


def test_the_record_page_shows_its_badges_and_offers_a_regulator_nothing_to_change(
    project, signed_lot, reggie
):
    checkpoint_create()
    response = client_as(reggie).get(f"/projects/{project.pk}/acceptance-records/{signed_lot.pk}/")
    page = text(response).split("<main", 1)[1]
    assert response.status_code == 200
    state = page[page.index('id="state"') :]
    assert "Verified" in state[: state.index("</p>")]
    # the record, its round, two sign-offs and two photos
    assert page.count(">Verified<") == 6
    assert "<form" not in page


def test_a_long_tree_is_read_a_page_at_a_time_in_its_order(
    project, tree, signed_lot, reggie, monkeypatch
):
    from inspections import archive_views

    monkeypatch.setattr(archive_views, "NODES_PER_PAGE", 3)
    client = client_as(reggie)
    first = text(client.get(archive_url(project)))
    second = text(client.get(archive_url(project, "?page=2")))
    lot = f'data-record="{signed_lot.pk}"'
    assert f'data-record="{tree["unit"].pk}"' in first
    assert lot not in first
    assert lot in second
    assert "Page 2 of 2" in second
    assert second.count('<li class="archive-photo') == 2  # the lot's photos are on its page
