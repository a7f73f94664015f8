"""The acceptance-record pages through Django's test client: each form's bad input and
out-of-order actions are refused with the service's own message and nothing written, who may
open and post to each page (a table), and the pages' query counts.

Browser journeys of the same pages are in test_journeys.py."""

import html

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inspections import services
from inspections.models import AcceptanceRecord, AcceptanceRound, SignOff
from ledger.models import LedgerEntry
from ledger.services import checkpoint_create
from tests.conftest import PASSWORD
from tests.inspections.conftest import DAY

State = AcceptanceRecord.State


@pytest.fixture
def en():
    """A browser asking for English pages, so the services' messages read as asserted."""

    def client(user):
        browser = Client(HTTP_ACCEPT_LANGUAGE="en")
        browser.force_login(user)
        return browser

    return client


def tree_url(project, unit_work, new=False):
    return f"/projects/{project.pk}/unit-works/{unit_work.pk}/records/" + ("new/" if new else "")


def record_url(record):
    return f"/projects/{record.project_id}/acceptance-records/{record.pk}/"


def post(client, record, action, **data):
    return client.post(record_url(record), {"action": action, **data})


def text(response):
    return html.unescape(response.content.decode())


class Unchanged:
    """Nothing written: no ledger entry, the record as it was."""

    def __init__(self, record):
        self.record = record

    def __enter__(self):
        self.entries = LedgerEntry.objects.count()
        self.before = AcceptanceRecord.objects.filter(pk=self.record.pk).values().get()
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            assert LedgerEntry.objects.count() == self.entries
            assert AcceptanceRecord.objects.filter(pk=self.record.pk).values().get() == self.before


# --- The tree ---


def test_the_tree_shows_each_records_state_and_what_blocks_its_parent(en, project, tree, alice):
    page = text(en(alice).get(tree_url(project, tree["unit"].unit_work)))
    for record in tree.values():
        assert record.title in page
        assert record_url(record) in page
    assert "The contractor's self-check is not submitted yet." in page
    # The sub-item is held up by its open lot, in the words record_accept refuses with.
    assert (
        "Every record under this one must be accepted first; still open: 2层柱钢筋安装检验批."
        in page
    )
    assert "specialist supervising engineer" in page  # sign-offs the lot still needs


def test_the_parents_rollup_changes_when_its_lot_is_accepted(en, project, tree, alice, quinn):
    lot = services.record_submit(record=tree["lot"], actor=alice)
    for signer in (alice, quinn):
        services.record_sign(record=lot, user=signer, password=PASSWORD)
    services.record_accept(record=lot, actor=alice)
    page = text(en(alice).get(tree_url(project, lot.unit_work)))
    assert "still open: 2层柱钢筋安装检验批" not in page
    assert "Accepted" in page


def _lots(project, tree, admin, count):
    for number in range(count):
        services.record_create(
            project=project,
            unit_work=tree["unit"].unit_work,
            level="inspection_lot",
            parent=tree["sub_item"],
            title=f"{number + 3}层柱钢筋安装检验批",
            date=DAY,
            actor=admin,
        )


def test_the_tree_asks_the_same_number_of_queries_for_2_or_5_lots(
    en, project, tree, alice, admin, django_assert_num_queries
):
    client = en(alice)
    url = tree_url(project, tree["unit"].unit_work)
    _lots(project, tree, admin, 1)  # two lots
    with CaptureQueriesContext(connection) as two:
        assert client.get(url).status_code == 200
    _lots(project, tree, admin, 3)  # five lots
    # session, user, regulator?, project, unit work, records, sign-offs, concealed works,
    # children, may-write, the layout's role
    with django_assert_num_queries(11), CaptureQueriesContext(connection) as five:
        assert text(client.get(url)).count('class="node ') == 3 + 5
    assert len(five) == len(two)


# --- A new record ---


def test_a_new_lot_is_created_at_a_location_under_a_sub_item(en, project, tree, floor, alice):
    client = en(alice)
    form = client.get(
        tree_url(project, floor.unit_work, new=True) + f"?parent={tree['sub_item'].pk}"
    )
    assert form.status_code == 200
    assert "2层" in text(form)  # the location picker lists the unit work's locations
    response = client.post(
        tree_url(project, floor.unit_work, new=True),
        {
            "level": "inspection_lot",
            "parent": tree["sub_item"].pk,
            "location": floor.pk,
            "title": "3层梁钢筋安装检验批",
            "date": "2025-06-12",
            "division_kind": "other",
        },
    )
    assert response.status_code == 303
    record = AcceptanceRecord.objects.get(title="3层梁钢筋安装检验批")
    assert response["Location"] == record_url(record)
    assert (record.parent, list(record.locations.all()), record.created_by) == (
        tree["sub_item"],
        [floor],
        alice,
    )
    assert LedgerEntry.objects.filter(record_id=record.pk, action="create").exists()


def test_a_lot_without_a_parent_is_refused_with_the_services_message(
    en, project, tree, floor, alice
):
    entries = LedgerEntry.objects.count()
    response = en(alice).post(
        tree_url(project, floor.unit_work, new=True),
        {
            "level": "inspection_lot",
            "location": floor.pk,
            "title": "无上级的检验批",
            "date": "2025-06-12",
            "division_kind": "other",
        },
    )
    assert response.status_code == 400
    assert "A inspection lot record belongs under a sub-item record." in text(response)
    assert LedgerEntry.objects.count() == entries
    assert not AcceptanceRecord.objects.filter(title="无上级的检验批").exists()


def test_a_lot_under_an_accepted_parent_or_with_a_bad_date_is_refused(
    en, project, tree, floor, alice
):
    entries = LedgerEntry.objects.count()
    client = en(alice)
    url = tree_url(project, floor.unit_work, new=True)
    body = {
        "level": "inspection_lot",
        "parent": tree["sub_item"].pk,
        "location": floor.pk,
        "title": "x",
        "date": "someday",
        "division_kind": "other",
    }
    response = client.post(url, body)
    assert response.status_code == 400
    assert "Enter a valid date." in text(response)
    response = client.post(url, {**body, "date": "2025-06-12", "location": 999999})
    assert response.status_code == 400
    assert "Select a valid choice." in text(response)
    assert LedgerEntry.objects.count() == entries


# --- The record and its actions ---


def test_the_self_check_is_saved_and_shown(en, tree, floor, alice):
    lot = tree["lot"]
    client = en(alice)
    assert f'value="{floor.pk}"' in text(client.get(record_url(lot)))  # its unit work's
    response = post(
        client, lot, "update", title=lot.title, date="2025-06-10", result="合格", locations=floor.pk
    )
    assert response.status_code == 303
    lot.refresh_from_db()
    assert (lot.result, list(lot.locations.all())) == ("合格", [floor])
    assert LedgerEntry.objects.filter(record_id=lot.pk, action="update").exists()
    assert "合格" in text(client.get(record_url(lot)))


def test_a_self_check_with_a_bad_date_is_refused(en, tree, alice):
    lot = tree["lot"]
    with Unchanged(lot):
        response = post(en(alice), lot, "update", title=lot.title, date="tomorrow-ish")
    assert response.status_code == 400
    assert "Enter a valid date." in text(response)


def test_submitting_twice_is_refused(en, tree, alice):
    client = en(alice)
    lot = tree["lot"]
    assert post(client, lot, "submit").status_code == 303
    with Unchanged(lot):
        response = post(client, lot, "submit")
    assert response.status_code == 400
    assert "This record has already been submitted." in text(response)
    assert AcceptanceRound.objects.filter(record=lot).count() == 1


def test_a_submitted_record_cannot_be_changed(en, tree, alice):
    lot = services.record_submit(record=tree["lot"], actor=alice)
    with Unchanged(lot):
        response = post(en(alice), lot, "update", title="改", date="2025-06-10")
    assert response.status_code == 400
    assert "A submitted record cannot be changed while it is being signed." in text(response)


def test_accepting_before_the_sign_offs_is_refused(en, tree, alice):
    lot = services.record_submit(record=tree["lot"], actor=alice)
    with Unchanged(lot):
        response = post(en(alice), lot, "accept")
    assert response.status_code == 400
    assert "The record still needs the sign-off of:" in text(response)


def test_accepting_a_record_not_submitted_is_refused(en, tree, alice):
    with Unchanged(tree["lot"]):
        response = post(en(alice), tree["lot"], "accept")
    assert response.status_code == 400
    assert "submit it first" in text(response)


def test_returning_without_reasons_is_refused(en, tree, alice):
    lot = services.record_submit(record=tree["lot"], actor=alice)
    with Unchanged(lot):
        response = post(en(alice), lot, "return", reasons="  ")
    assert response.status_code == 400
    assert "Say why the record is returned, so it can be put right." in text(response)


def test_signing_with_a_wrong_password_says_so_and_signs_nothing(en, tree, alice, quinn):
    lot = services.record_submit(record=tree["lot"], actor=alice)
    client = en(quinn)
    page = text(client.get(record_url(lot)))
    assert 'id="content-hash"' in page
    with Unchanged(lot):
        response = post(client, lot, "sign", capacity="quality_inspector", password="wrong")
    assert response.status_code == 400
    assert "That password is not correct." in text(response)
    assert not SignOff.objects.exists()


def test_someone_not_in_office_cannot_sign(en, tree, alice, leo):
    lot = services.record_submit(record=tree["lot"], actor=alice)
    client = en(leo)
    assert 'id="sign"' not in text(client.get(record_url(lot)))  # nothing offered
    with Unchanged(lot):
        response = post(client, lot, "sign", password=PASSWORD)
    assert response.status_code == 400
    assert "You are not one of the people who must sign this record" in text(response)
    assert not SignOff.objects.exists()


def test_an_unknown_action_is_a_bad_request(en, tree, alice):
    with Unchanged(tree["lot"]):
        assert post(en(alice), tree["lot"], "delete").status_code == 400


def test_a_sign_off_shows_its_evidence_and_the_record_is_accepted(en, tree, alice, quinn):
    lot = services.record_submit(record=tree["lot"], actor=alice)
    shown = services.record_content_sha256(lot)
    response = post(en(quinn), lot, "sign", capacity="quality_inspector", password=PASSWORD)
    assert response.status_code == 303
    client = en(alice)
    assert post(client, lot, "sign", password=PASSWORD).status_code == 303
    page = text(client.get(record_url(lot)))
    assert page.count(shown) >= 3  # the round's and both sign-offs' hashes
    assert "钱质检" in page
    assert "contractor quality inspector" in page
    assert post(client, lot, "accept").status_code == 303
    lot.refresh_from_db()
    assert lot.state == State.ACCEPTED
    page = text(client.get(record_url(lot)))
    assert 'id="upload-form"' not in page
    assert "it takes no more photos" in page
    assert 'name="action"' not in page


def test_every_round_is_shown_with_its_reasons(en, tree, alice):
    lot = services.record_submit(record=tree["lot"], actor=alice)
    services.record_return(record=lot, reasons="钢筋间距超差", actor=alice)
    services.record_submit(record=lot, actor=alice)
    page = text(en(alice).get(record_url(lot)))
    assert 'data-round="1"' in page
    assert 'data-round="2"' in page
    assert "钢筋间距超差" in page


def test_the_record_page_asks_the_same_number_of_queries_for_1_or_3_rounds(
    en, tree, alice, quinn, django_assert_num_queries
):
    client = en(quinn)
    lot = services.record_submit(record=tree["lot"], actor=alice)
    checkpoint_create()
    with CaptureQueriesContext(connection) as one:
        assert client.get(record_url(lot)).status_code == 200
    for _round in range(2):
        services.record_sign(record=lot, user=alice, password=PASSWORD)
        services.record_return(record=lot, reasons="再查", actor=alice)
        services.record_submit(record=lot, actor=alice)
    checkpoint_create()
    # Of the 25, 4 ask whether quinn signs in either open capacity, 2 hash what is signed
    # and 4 check the record, its rounds, sign-offs and photos against the ledger.
    with django_assert_num_queries(25), CaptureQueriesContext(connection) as three:
        assert client.get(record_url(lot)).status_code == 200
    assert len(three) == len(one)


def test_the_old_photos_address_leads_to_the_records_photos(en, tree, alice):
    lot = tree["lot"]
    response = en(alice).get(record_url(lot) + "photos/")
    assert response.status_code == 302
    assert response["Location"] == record_url(lot) + "#photos"
    page = text(en(alice).get(record_url(lot)))
    assert 'capture="environment"' in page
    assert "multiple" in page
    # The camera takes one photo; choosing picks several: never both on one input.
    camera = page[page.index('id="camera"') - 30 : page.index('id="camera"') + 120]
    assert "multiple" not in camera
    assert "JPEG, PNG or HEIC" in page


# --- Who may do what ---

ACTORS = ("alice", "leo", "quinn", "olga", "reggie", "charlie", "dan", "rita", None)
READ = (200, 200, 200, 200, 200, 404, 404, 404, 302)
WRITE_PAGE = (200, 200, 200, 403, 403, 404, 404, 404, 302)
WRITE = (400, 400, 400, 403, 403, 404, 404, 404, 302)
SIGN = (400, 400, 400, 400, 400, 404, 404, 404, 302)
MOVED = (302, 302, 302, 302, 302, 404, 404, 404, 302)
READ_ONLY_MEMBER = "Only site supervisors and project leads can change this project's records."
READ_ONLY_REGULATOR = "Regulators have read-only access to projects."


@pytest.mark.parametrize("actor", ACTORS)
def test_who_can_open_and_post_to_each_page(request, project, tree, floor, alice, actor):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if actor is not None:
        client.force_login(request.getfixturevalue(actor))
    lot = services.record_submit(record=tree["lot"], actor=alice)
    unit_work = floor.unit_work
    bad_lot = {"level": "inspection_lot", "title": "", "date": "x"}
    cases = [
        ("tree", "get", tree_url(project, unit_work), None, READ),
        ("create page", "get", tree_url(project, unit_work, new=True), None, WRITE_PAGE),
        ("create", "post", tree_url(project, unit_work, new=True), bad_lot, WRITE),
        ("record", "get", record_url(lot), None, READ),
        ("update", "post", record_url(lot), {"action": "update", "date": "x"}, WRITE),
        ("submit", "post", record_url(lot), {"action": "submit"}, WRITE),
        ("return", "post", record_url(lot), {"action": "return"}, WRITE),
        ("accept", "post", record_url(lot), {"action": "accept"}, WRITE),
        ("sign", "post", record_url(lot), {"action": "sign", "password": "wrong"}, SIGN),
        ("photos", "get", record_url(lot) + "photos/", None, MOVED),
    ]
    column = ACTORS.index(actor)
    wrong = []
    for name, method, url, body, statuses in cases:
        expected = statuses[column]
        entries = LedgerEntry.objects.count()
        response = getattr(client, method)(url, body) if body else getattr(client, method)(url)
        if response.status_code != expected:
            wrong.append(f"{name}: {response.status_code}, expected {expected}")
            continue
        if expected == 403:
            message = READ_ONLY_REGULATOR if actor == "reggie" else READ_ONLY_MEMBER
            if message not in text(response):
                wrong.append(f"{name}: the 403 does not say {message!r}")
        if expected == 302 and actor is None and "/login/" not in response["Location"]:
            wrong.append(f"{name}: not sent to sign in")
        if method == "post" and LedgerEntry.objects.count() != entries:
            wrong.append(f"{name}: refused, but something was written")
    assert wrong == []


@pytest.mark.parametrize("actor", ["olga", "reggie"])
def test_readers_see_no_write_buttons(request, en, project, tree, alice, actor):
    lot = services.record_submit(record=tree["lot"], actor=alice)
    client = en(request.getfixturevalue(actor))
    tree_page = text(client.get(tree_url(project, lot.unit_work)))
    assert "/records/new/" not in tree_page
    page = text(client.get(record_url(lot)))
    assert lot.title in page
    assert 'name="action"' not in page
    assert 'id="upload-form"' not in page
