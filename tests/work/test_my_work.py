"""Home = "my work": each kind of open item reaches the person who acts on it and nobody
else, every link leads to a page that opens, in a fixed number of queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.work.conftest import more_of_everything
from work.selectors import my_work

KINDS = (
    "blocked_deliveries",
    "deliveries_waiting",
    "samples_without_report",
    "returned_records",
    "sign_offs",
    "documents",
    "flagged_photos",
    "overdue",
)


# Session and user, memberships, then each kind: blocked deliveries, deliveries waiting,
# samples, returned records, sign-offs (records, sign-offs, my capacities: three), letters,
# flagged photos (two kinds and their records' titles), overdue (two of the oversight lists
# and their projects' count: three); the layout's role line; the plaques waiting for
# installation.
HOME_QUERIES = 22


def work_of(user) -> dict[str, list]:
    return {key: items for key, _title, items in my_work(user=user)}


def home(client, user, language="zh-hans"):
    client.force_login(user)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_a_visitor_gets_the_introduction_and_a_sign_in_link(client, db):
    page = client.get("/").content.decode()
    assert "<h1>工程质量终身责任档案</h1>" in page
    assert 'href="/login/"' in page
    assert 'id="home-sign-in"' in page


def test_the_site_supervisor_sees_what_waits_for_her_and_not_what_waits_for_others(desk):
    alice = work_of(desk["alice"])
    assert [i.what for i in alice["blocked_deliveries"]] == [
        "聚氯乙烯绝缘电缆 batch B2503-017, 400 metres"
    ]
    assert {i.what for i in alice["deliveries_waiting"]} == {
        "聚氯乙烯绝缘电缆 batch B2503-017, 200 metres",
        "聚氯乙烯绝缘电缆 batch B2503-017, 300 metres",
    }
    assert [i.what for i in alice["samples_without_report"]] == [
        f"Sample FY-{desk['unreported'].delivery_id:04d} of 聚氯乙烯绝缘电缆"
    ]
    assert [i.what for i in alice["sign_offs"]] == [
        "6层柱钢筋安装检验批（复验）: needs specialist supervising engineer"
    ]
    assert [i.what for i in alice["flagged_photos"]] == [
        "A photo of 6层柱钢筋安装检验批（复验）: taken far from the project site"
    ]
    assert "周新民" in alice["overdue"][0].what
    # Returned to the contractor who submitted it; the letter is olga's to sign.
    assert alice["returned_records"] == []
    assert alice["documents"] == []


def test_the_contractor_sees_the_lot_returned_to_him_and_his_own_sign_off(desk):
    quinn = work_of(desk["quinn"])
    assert [i.what for i in quinn["returned_records"]] == ["6层柱钢筋安装检验批 (round 1)"]
    assert [i.what for i in quinn["sign_offs"]] == [
        "6层柱钢筋安装检验批（复验）: needs contractor quality inspector"
    ]
    # Accepting deliveries is the supervisor side's act (quinn is the contractor's staff
    # with a site-supervisor membership, so the rule of delivery_decide_check lets him).
    assert quinn["documents"] == []


def test_a_read_only_member_sees_her_letter_with_its_link_and_the_overdue_items_only(client, desk):
    letter = desk["letter"]
    page = home(client, desk["olga"], language="en")
    # Her own letter shows in "To sign" (with its deadline when a lead change set one) ...
    assert 'id="to-sign"' in page
    assert f'href="/sign/{letter.pk}/"' in page
    assert letter.number in page
    # ... not a second time among the sections, where only the overdue items are hers.
    olga = work_of(desk["olga"])
    assert olga["documents"] == []
    assert olga["overdue"]
    for kind in set(KINDS) - {"overdue"}:
        assert olga[kind] == [], kind


def test_an_outsider_and_a_regulator_have_nothing_of_this_project(desk, charlie, reggie):
    for user in (charlie, reggie):
        assert all(items == [] for items in work_of(user).values())


def test_the_home_page_lists_each_kind_with_links_that_open(client, desk):
    page = home(client, desk["alice"])
    assert "我的工作" in page
    for kind in ("blocked_deliveries", "deliveries_waiting", "samples_without_report"):
        assert f'id="{kind}"' in page
    assert 'id="returned_records"' not in page
    links = set(re.findall(r'<li><a href="([^"]+)"', page))
    assert links
    for url in links:
        assert client.get(url).status_code == 200, url


def test_the_signer_is_led_to_the_signing_page(client, desk):
    page = home(client, desk["olga"])
    assert f'href="/sign/{desk["letter"].pk}/"' in page
    assert client.get(f"/sign/{desk['letter'].pk}/").status_code == 200


def test_nothing_to_do_says_so(client, charlie):
    page = home(client, charlie, language="en")
    assert "Nothing needs you now." in page


def test_a_regulator_is_pointed_to_the_oversight_lists(client, reggie):
    page = home(client, reggie)
    assert 'href="/oversight/"' in page


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("user", ["alice", "quinn"])
def test_my_work_takes_the_same_queries_for_two_items_of_a_kind_as_for_five(client, desk, user):
    client.force_login(desk[user])
    more_of_everything(desk, 1)  # two of each kind the desk has one of
    two = queries_of(client, "/")
    more_of_everything(desk, 3)  # five
    five = queries_of(client, "/")
    assert len(work_of(desk[user])["sign_offs"]) == 5
    assert two == five == HOME_QUERIES
