"""The materials pages through Django's test client: every refusal is a 400 with the
service's message next to its field and nothing written; who may see and do what on each
page; list pages take as many queries for five rows as for two."""

from __future__ import annotations

import datetime
import html
import mimetypes
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledger.models import LedgerEntry
from ledger.services import checkpoint_create
from materials import services
from materials.models import Batch, BatchFile, Delivery, DeliveryPhoto, Sample, Usage
from materials.models import TestReport as Report
from storage.models import StoredObject
from tests.conftest import credit_code
from tests.materials.conftest import DAY, deliver, sample
from tests.storage.samples import jpeg, pdf, zip_archive

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def named_jpeg():
    """A different photo each time (the same bytes would be one photo)."""
    named_jpeg.count = getattr(named_jpeg, "count", 0) + 1
    return upload(jpeg((40 + named_jpeg.count, 30)), "label.jpg")


def client_as(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def upload(data: bytes, name: str):
    """A file as a browser sends it: the type it declares comes from its name."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=mimetypes.guess_type(name)[0])


def field_errors(response, field: str) -> str:
    """The text of the error list Django renders next to ``field`` (as_field_group)."""
    page = response.content.decode()
    found = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    assert found, f"no errors shown next to {field}"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


def shown_errors(response) -> list[str]:
    """Every error list on the page, as text (for a failing assertion's message)."""
    page = response.content.decode()
    return [
        html.unescape(e) for e in re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)
    ]


def alerts(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


WRITTEN = (Batch, BatchFile, Delivery, DeliveryPhoto, Sample, Report, Usage, StoredObject)


@pytest.fixture
def nothing_written(db):
    class Snapshot:
        def take(self):
            self.counts = self.now()

        def now(self):
            return [m.objects.count() for m in (*WRITTEN, LedgerEntry)]

        def unchanged(self):
            return self.now() == self.counts

    return Snapshot()


@pytest.fixture
def pending_cable(project, cable_batch, contractor_person, leo):
    return deliver(project, cable_batch, contractor_person, leo)


@pytest.fixture
def failed_cable(pending_cable, contractor_person, lab, alice, leo):
    sample(pending_cable, contractor_person, lab, leo, witness=alice.person, result="fail")
    return pending_cable


def delivery_body(batch, person, **overrides):
    return {
        "batch": batch.pk,
        "quantity": "1000",
        "unit": batch.category.unit,
        "delivered_on": DAY.isoformat(),
        "inspected_by": person.pk,
        "photo_of": "label",
        **overrides,
    }


def new_batch_body(catalogue, maker, person, **overrides):
    body = {
        **delivery_body(Batch(pk=0, category=catalogue["cable"]), person),
        "batch": "",
        "category": catalogue["cable"].pk,
        "manufacturer": maker.pk,
        "product": "聚氯乙烯绝缘电缆",
        "model_spec": "BV-450/750V 4mm²",
        "batch_number": "B2504-002",
        "production_date": "2025-03-20",
        "ccc_certificate_number": "2020010105123456",
    }
    return {**body, **overrides}


# --- Recording a delivery ---


def test_a_delivery_with_a_photo_of_its_label_is_recorded_and_shown(
    project, cable_batch, contractor_person, alice
):
    url = f"/projects/{project.pk}/deliveries/new/"
    body = delivery_body(cable_batch, contractor_person, photo_taken=upload(jpeg(), "label.jpg"))
    client = client_as(alice)
    response = client.post(url, body)
    assert response.status_code == 303, shown_errors(response)
    delivery = Delivery.objects.get()
    assert response["Location"] == f"/projects/{project.pk}/deliveries/{delivery.pk}/"
    assert delivery.photos.get().kind == "label"
    page = client.get(response["Location"])
    assert "The delivery is recorded." in alerts(page)
    assert "1000 metres" in alerts(page)


def test_a_new_batch_is_recorded_with_its_files_and_the_delivery(
    project, catalogue, cable_maker, contractor_person, alice
):
    body = new_batch_body(
        catalogue,
        cable_maker,
        contractor_person,
        certificate_of_conformity=upload(pdf("CoC"), "coc.pdf"),
        type_test_report=upload(pdf("Type test"), "type.pdf"),
        photos_chosen=[upload(jpeg(), "a.jpg"), upload(jpeg((60, 40)), "b.jpg")],
    )
    response = client_as(alice).post(f"/projects/{project.pk}/deliveries/new/", body)
    assert response.status_code == 303, shown_errors(response)
    batch = Batch.objects.get(batch_number="B2504-002")
    assert batch.recorded_for == project
    assert sorted(batch.files.values_list("kind", flat=True)) == [
        "certificate_of_conformity",
        "type_test_report",
    ]
    assert Delivery.objects.get().photos.count() == 2


def test_a_maker_who_supplies_another_project_is_named_by_its_credit_code(
    project, other_project, catalogue, cable_maker, contractor_person, alice, admin
):
    # The maker's batches so far went to another project: the select leaves it out (the
    # archive's thousands of makers do not fit one), and its credit code finds it.
    services.batch_create(
        category=catalogue["cable"],
        manufacturer=cable_maker,
        product="聚氯乙烯绝缘电缆",
        model_spec="BV 2.5",
        batch_number="ELSEWHERE-1",
        production_date=datetime.date(2025, 1, 5),
        ccc_certificate_number="2020010105123456",
        recorded_for=other_project,
        actor=admin,
    )
    client = client_as(alice)
    url = f"/projects/{project.pk}/deliveries/new/"
    page = client.get(url).content.decode()
    makers = re.search(r'<select name="manufacturer".*?</select>', page, re.S).group()
    assert cable_maker.name not in makers
    body = new_batch_body(catalogue, cable_maker, contractor_person, manufacturer="")
    body["manufacturer_code"] = cable_maker.credit_code.lower()
    response = client.post(url, body)
    assert response.status_code == 303, shown_errors(response)
    assert Batch.objects.get(batch_number="B2504-002").manufacturer == cable_maker


def test_an_unknown_credit_code_for_the_maker_is_explained_and_nothing_is_written(
    project, catalogue, contractor_person, alice
):
    entries = LedgerEntry.objects.count()
    body = new_batch_body(catalogue, Batch(pk=0), contractor_person, manufacturer="")
    body["manufacturer_code"] = credit_code("91330100MA2XXXXX0")
    response = client_as(alice).post(f"/projects/{project.pk}/deliveries/new/", body)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "No organization with this credit code is registered" in errors["manufacturer_code"][0]
    assert not Batch.objects.exists()
    assert LedgerEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"quantity": ""}, "quantity", "This field is required."),
        ({"quantity": "0"}, "quantity", "greater than zero"),
        ({"delivered_on": "2025-02-30"}, "delivered_on", "Enter a valid date."),
        ({"delivered_on": "2025-03-01"}, "delivered_on", "before the batch was produced"),
        ({"delivered_on": TOMORROW.isoformat()}, "delivered_on", "in the future"),
        ({"unit": "t"}, "unit", "is counted in metres, not tonnes"),
        ({"batch": ""}, "product", "Choose a batch above, or fill this in"),
    ],
)
def test_a_bad_delivery_is_refused_next_to_its_field_and_nothing_is_written(
    project, cable_batch, contractor_person, alice, nothing_written, overrides, field, message
):
    nothing_written.take()
    body = {**delivery_body(cable_batch, contractor_person), **overrides}
    response = client_as(alice).post(f"/projects/{project.pk}/deliveries/new/", body)
    assert response.status_code == 400
    assert message in field_errors(response, field)
    assert nothing_written.unchanged()


def test_a_delivery_inspected_by_someone_outside_the_contractor_cannot_be_chosen(
    project, cable_batch, alice, nothing_written
):
    nothing_written.take()
    body = delivery_body(cable_batch, alice.person)
    response = client_as(alice).post(f"/projects/{project.pk}/deliveries/new/", body)
    assert response.status_code == 400
    assert "Select a valid choice" in field_errors(response, "inspected_by")
    assert nothing_written.unchanged()


@pytest.mark.parametrize(
    ("files", "field", "message"),
    [
        ({"photos_chosen": upload(pdf("not a photo"), "label.jpg")}, "photos_chosen", "PDF"),
        ({"photo_taken": upload(zip_archive(), "label.jpg")}, "photo_taken", "ZIP"),
        ({"photo_taken": upload(jpeg((400, 300)), "big.jpg")}, "photo_taken", "largest file"),
    ],
)
def test_a_disguised_or_oversized_photo_refuses_the_whole_delivery(
    project,
    cable_batch,
    contractor_person,
    alice,
    nothing_written,
    settings,
    files,
    field,
    message,
):
    settings.PHOTO_MAX_BYTES = 2000
    nothing_written.take()
    body = delivery_body(cable_batch, contractor_person, **files)
    response = client_as(alice).post(f"/projects/{project.pk}/deliveries/new/", body)
    assert response.status_code == 400
    assert message in field_errors(response, field)
    assert nothing_written.unchanged()


def test_a_disguised_certificate_refuses_the_new_batch_and_its_delivery(
    project, catalogue, cable_maker, contractor_person, alice, nothing_written
):
    nothing_written.take()
    body = new_batch_body(
        catalogue,
        cable_maker,
        contractor_person,
        certificate_of_conformity=upload(zip_archive(), "coc.pdf"),
    )
    response = client_as(alice).post(f"/projects/{project.pk}/deliveries/new/", body)
    assert response.status_code == 400
    assert "ZIP" in field_errors(response, "certificate_of_conformity")
    assert nothing_written.unchanged()


def test_a_second_batch_with_the_same_number_is_refused_with_the_reason(
    project, catalogue, cable_maker, cable_batch, contractor_person, alice, nothing_written
):
    nothing_written.take()
    body = new_batch_body(catalogue, cable_maker, contractor_person, batch_number="B2503-017")
    response = client_as(alice).post(f"/projects/{project.pk}/deliveries/new/", body)
    assert response.status_code == 400
    assert "already has a batch with this number" in alerts(response)
    assert nothing_written.unchanged()


# --- Accepting and rejecting ---


def test_accepting_a_delivery_whose_sample_failed_is_refused_with_the_reason(
    project, failed_cable, alice, nothing_written
):
    url = f"/projects/{project.pk}/deliveries/{failed_cable.pk}/"
    page = client_as(alice).get(url)
    assert "blocked: a test failed" in alerts(page)
    nothing_written.take()
    response = client_as(alice).post(url, {"action": "accept"})
    assert response.status_code == 400
    assert "failed its test: it cannot be accepted" in alerts(response)
    assert nothing_written.unchanged()
    failed_cable.refresh_from_db()
    assert failed_cable.state == Delivery.State.SAMPLED


def test_accepting_a_delivery_before_its_witness_sample_is_refused_in_chinese(
    project, pending_cable, alice, nothing_written
):
    nothing_written.take()
    response = client_as(alice, "zh-hans").post(
        f"/projects/{project.pk}/deliveries/{pending_cable.pk}/", {"action": "accept"}
    )
    assert response.status_code == 400
    assert "见证取样" in alerts(response)
    assert nothing_written.unchanged()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"reject-reason": "", "reject-removed_on": "2025-04-02"}, "reject-reason", "required"),
        (
            {"reject-reason": "外观破损", "reject-removed_on": "2025-03-30"},
            "reject-removed_on",
            "cannot be removed before it was delivered",
        ),
    ],
)
def test_a_rejection_without_a_reason_or_with_a_wrong_date_is_refused(
    project, pending_cable, alice, nothing_written, body, field, message
):
    nothing_written.take()
    response = client_as(alice).post(
        f"/projects/{project.pk}/deliveries/{pending_cable.pk}/", {"action": "reject", **body}
    )
    assert response.status_code == 400
    assert message in field_errors(response, field)
    assert nothing_written.unchanged()


def test_a_rejected_delivery_shows_why(project, pending_cable, alice):
    url = f"/projects/{project.pk}/deliveries/{pending_cable.pk}/"
    body = {"action": "reject", "reject-reason": "外观破损", "reject-removed_on": "2025-04-02"}
    assert client_as(alice).post(url, body).status_code == 303
    page = alerts(client_as(alice).get(url))
    assert "外观破损" in page
    assert "rejected" in page
    assert "Accept the delivery" not in page


# --- Samples and reports ---


def sample_body(person, witness, lab, **overrides):
    return {
        "seal_number": "FY-2025-001",
        "sampling_location": "现场材料堆场",
        "sampled_on": DAY.isoformat(),
        "sampler": person.pk,
        "witness": witness.pk if witness else "",
        "testing_lab": lab.pk,
        **overrides,
    }


def test_the_witness_is_chosen_among_those_authorized_on_the_project(
    project, pending_cable, contractor_person, lab, alice, olga, leo
):
    page = client_as(alice).get(
        f"/projects/{project.pk}/deliveries/{pending_cable.pk}/samples/new/"
    )
    witness_select = re.search(r'<select name="witness".*?</select>', page.content.decode(), re.S)
    options = witness_select.group(0)
    assert alice.person.name in options  # a site supervisor
    assert olga.person.name in options  # the owner's member
    assert leo.person.name not in options  # the contractor's lead witnesses nobody


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"seal_number": ""}, "seal_number", "This field is required."),
        ({"sampled_on": "2025-03-31"}, "sampled_on", "before the delivery arrived"),
        ({"sampled_on": "yesterday"}, "sampled_on", "Enter a valid date."),
        ({"sampled_on": TOMORROW.isoformat()}, "sampled_on", "in the future"),
    ],
)
def test_a_bad_sample_is_refused_next_to_its_field(
    project,
    pending_cable,
    contractor_person,
    lab,
    alice,
    nothing_written,
    overrides,
    field,
    message,
):
    nothing_written.take()
    response = client_as(alice).post(
        f"/projects/{project.pk}/deliveries/{pending_cable.pk}/samples/new/",
        sample_body(contractor_person, alice.person, lab, **overrides),
    )
    assert response.status_code == 400
    assert message in field_errors(response, field)
    assert nothing_written.unchanged()


@pytest.fixture
def untested(pending_cable, contractor_person, lab, alice, leo):
    return sample(pending_cable, contractor_person, lab, leo, witness=alice.person, result=None)


def report_body(**overrides):
    return {
        "report_number": "HZJC-2025-0417",
        "result": "pass",
        "tested_on": "2025-04-04",
        "file": upload(pdf("Report"), "report.pdf"),
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"report_number": ""}, "report_number", "This field is required."),
        ({"tested_on": "2025-03-31"}, "tested_on", "before it was taken"),
        ({"file": upload(zip_archive(), "report.pdf")}, "file", "ZIP"),
        ({"result": "maybe"}, "result", "Select a valid choice"),
    ],
)
def test_a_bad_report_is_refused_next_to_its_field(
    project, untested, alice, nothing_written, overrides, field, message
):
    nothing_written.take()
    response = client_as(alice).post(
        f"/projects/{project.pk}/samples/{untested.pk}/", report_body(**overrides)
    )
    assert response.status_code == 400
    assert message in field_errors(response, field)
    assert nothing_written.unchanged()


def test_a_failed_report_blocks_the_delivery_at_once(project, untested, alice):
    url = f"/projects/{project.pk}/samples/{untested.pk}/"
    response = client_as(alice).post(url, report_body(result="fail"))
    assert response.status_code == 303, shown_errors(response)
    page = alerts(client_as(alice).get(url))
    assert "the delivery is blocked" in page
    assert "blocked: a test failed" in page
    listing = alerts(client_as(alice).get(f"/projects/{project.pk}/deliveries/?state=blocked"))
    assert untested.delivery.batch.batch_number in listing


def test_a_second_report_is_refused(project, untested, alice, nothing_written):
    url = f"/projects/{project.pk}/samples/{untested.pk}/"
    assert client_as(alice).post(url, report_body()).status_code == 303
    nothing_written.take()
    response = client_as(alice).post(url, report_body(report_number="X"))
    assert response.status_code == 400
    assert "already has a test report" in alerts(response)
    assert nothing_written.unchanged()


# --- Usages ---


def usage_body(delivery, place, **overrides):
    return {
        "delivery": delivery.pk,
        "location": place.pk,
        "quantity": "100",
        "used_on": "2025-04-12",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"quantity": "5000"}, "quantity", "Only 880 metres of this delivery are left to use."),
        ({"quantity": ""}, "quantity", "This field is required."),
        ({"used_on": "2025-03-31"}, "used_on", "before it was delivered"),
        ({"used_on": "2025-13-01"}, "used_on", "Enter a valid date."),
        ({"location": "999999"}, "location", "Select a valid choice"),
    ],
)
def test_a_bad_usage_is_refused_next_to_its_field(
    project, used_cable, floor, alice, nothing_written, overrides, field, message
):
    nothing_written.take()
    response = client_as(alice).post(
        f"/projects/{project.pk}/usages/new/", usage_body(used_cable, floor, **overrides)
    )
    assert response.status_code == 400
    assert message in field_errors(response, field)
    assert nothing_written.unchanged()


def test_only_accepted_deliveries_with_material_left_are_offered(
    project, used_cable, pending_cable, floor, alice, nothing_written
):
    page = client_as(alice).get(f"/projects/{project.pk}/usages/new/").content.decode()
    offered = re.search(r'<select name="delivery".*?</select>', page, re.S).group(0)
    assert f'value="{used_cable.pk}"' in offered
    assert "880 metres left" in offered
    assert f'value="{pending_cable.pk}"' not in offered
    nothing_written.take()
    response = client_as(alice).post(
        f"/projects/{project.pk}/usages/new/", usage_body(pending_cable, floor)
    )
    assert response.status_code == 400
    assert "Select a valid choice" in field_errors(response, "delivery")
    assert nothing_written.unchanged()


def test_a_usage_is_recorded_and_shows_on_its_location(project, accepted_cable, floor, alice):
    client = client_as(alice)
    response = client.post(f"/projects/{project.pk}/usages/new/", usage_body(accepted_cable, floor))
    assert response.status_code == 303, shown_errors(response)
    assert response["Location"] == f"/projects/{project.pk}/locations/{floor.pk}/"
    page = alerts(client.get(response["Location"]))
    assert "The usage is recorded." in page
    assert "100 metres" in page
    assert Usage.objects.get().location == floor


# --- Who may see and do what ---


@pytest.fixture
def urls(project, failed_cable, used_cable, floor, contractor_person, lab, alice, leo):
    untested_sample = Sample.objects.filter(delivery=failed_cable).first()
    p = f"/projects/{project.pk}"
    return {
        "delivery-list": (f"{p}/deliveries/", "read"),
        "delivery-create": (f"{p}/deliveries/new/", "write"),
        "delivery": (f"{p}/deliveries/{used_cable.pk}/", "read+post"),
        "sample-create": (f"{p}/deliveries/{failed_cable.pk}/samples/new/", "write"),
        "sample": (f"{p}/samples/{untested_sample.pk}/", "read+post"),
        "usage-list": (f"{p}/usages/", "read"),
        "usage-create": (f"{p}/usages/new/", "write"),
        "location": (f"{p}/locations/{floor.pk}/", "read"),
    }


# What each actor gets: (GET of a page to read, GET of a page to write, POST).
EXPECTED = {
    "alice": (200, 200, 400),  # an empty POST: allowed, and refused for its missing fields
    "olga": (200, 403, 403),
    "reggie": (200, 403, 403),
    "charlie": (404, 404, 404),
    "rita": (404, 404, 404),
    "dan": (404, 404, 404),
    None: (302, 302, 302),
}


@pytest.mark.parametrize("actor", list(EXPECTED))
def test_who_may_see_and_change_the_materials_pages(
    actor, urls, request, nothing_written, olga, reggie
):
    user = request.getfixturevalue(actor) if actor else None
    client = client_as(user)
    read, write, post = EXPECTED[actor]
    nothing_written.take()
    mismatches = []
    for name, (url, kind) in urls.items():
        got = client.get(url).status_code
        want = write if kind == "write" else read
        if got != want:
            mismatches.append(f"GET {name}: {got}, expected {want}")
        if kind == "read":
            continue
        got = client.post(url, {}).status_code
        if got != post:
            mismatches.append(f"POST {name}: {got}, expected {post}")
    assert not mismatches, mismatches
    assert nothing_written.unchanged()


def test_a_read_only_member_sees_no_write_buttons_and_is_told_why_a_post_is_refused(
    project, urls, olga
):
    client = client_as(olga)
    for name, (url, kind) in urls.items():
        if kind == "write":
            continue
        page = client.get(url).content.decode()
        assert 'method="post" enctype' not in page, name
        assert "/new/" not in page, name
        assert 'name="action"' not in page, name
    refused = client.post(urls["delivery"][0], {"action": "accept"})
    assert refused.status_code == 403
    assert "Only site supervisors and project leads" in alerts(refused)


def test_a_project_lead_records_but_only_a_site_supervisor_accepts(project, pending_cable, leo):
    url = f"/projects/{project.pk}/deliveries/{pending_cable.pk}/"
    page = client_as(leo).get(url).content.decode()
    assert "Accept the delivery" not in page
    refused = client_as(leo).post(url, {"action": "accept"})
    assert refused.status_code == 403
    assert "Only the project's site supervisors can accept or reject" in alerts(refused)


def test_a_sample_or_location_of_another_project_is_not_found(
    project, other_project, failed_cable, floor, charlie
):
    sample_id = failed_cable.samples.get().pk
    client = client_as(charlie)
    assert client.get(f"/projects/{other_project.pk}/samples/{sample_id}/").status_code == 404
    assert client.get(f"/projects/{other_project.pk}/locations/{floor.pk}/").status_code == 404
    delivery = f"/projects/{other_project.pk}/deliveries/{failed_cable.pk}/"
    assert client.get(delivery).status_code == 404


# --- Query counts ---


def _rows(project, batch, person, lab, alice, leo, floor, n):
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


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "path",
    ["deliveries/", "deliveries/?state=accepted&category=cable", "usages/", "locations/{floor}/"],
)
def test_list_pages_take_as_many_queries_for_five_rows_as_for_two(
    project, cable_batch, contractor_person, lab, alice, leo, floor, path
):
    client = client_as(alice)
    url = f"/projects/{project.pk}/" + path.format(floor=floor.pk)
    _rows(project, cable_batch, contractor_person, lab, alice, leo, floor, 2)
    checkpoint_create()  # the ledger badges check proofs against it
    two = _queries(client, url)
    _rows(project, cable_batch, contractor_person, lab, alice, leo, floor, 3)
    checkpoint_create()
    five = _queries(client, url)
    assert two == five
    # The location page also checks its usages against the ledger: RecordChecks' four.
    assert five <= 12 + (4 if path.startswith("locations") else 0), f"{url}: {five} queries"


def test_the_delivery_list_filters_swap_in_as_a_partial_for_htmx(
    project, failed_cable, used_cable, alice
):
    response = client_as(alice).get(
        f"/projects/{project.pk}/deliveries/?state=blocked",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="deliveries",
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="deliveries">')
    assert f"/deliveries/{failed_cable.pk}/" in body
    assert f"/deliveries/{used_cable.pk}/" not in body


def test_the_delivery_page_takes_as_many_queries_for_five_samples_as_for_two(
    project, pending_cable, contractor_person, lab, alice, leo
):
    client = client_as(alice)
    url = f"/projects/{project.pk}/deliveries/{pending_cable.pk}/"
    for _ in range(2):
        sample(pending_cable, contractor_person, lab, leo, witness=alice.person)
        services.delivery_photo_add(
            delivery=pending_cable, kind="label", fileobj=named_jpeg(), actor=leo
        )
    two = _queries(client, url)
    for _ in range(3):
        sample(pending_cable, contractor_person, lab, leo, witness=alice.person)
        services.delivery_photo_add(
            delivery=pending_cable, kind="label", fileobj=named_jpeg(), actor=leo
        )
    assert _queries(client, url) == two


def test_the_delivery_list_filters_by_state_material_and_date(
    project, pending_cable, used_cable, cement_batch, contractor_person, leo, alice
):
    cement = deliver(project, cement_batch, contractor_person, leo, quantity="30", day=DAY)
    later = deliver(
        project, cement_batch, contractor_person, leo, quantity="20", day=datetime.date(2025, 5, 6)
    )
    client = client_as(alice)
    url = f"/projects/{project.pk}/deliveries/"

    def shown(query):
        page = client.get(url + query).content.decode()
        return {d.pk for d in Delivery.objects.all() if f"/deliveries/{d.pk}/" in page}

    assert shown("") == {pending_cable.pk, used_cable.pk, cement.pk, later.pk}
    assert shown("?state=accepted") == {used_cable.pk}
    assert shown("?state=pending") == {pending_cable.pk, cement.pk, later.pk}
    assert shown("?category=cement") == {cement.pk, later.pk}
    assert shown("?delivered_from=2025-05-01") == {later.pk}
    assert shown("?category=cement&delivered_to=2025-04-30") == {cement.pk}


def test_photos_are_added_to_a_delivery_from_its_page_and_a_disguised_one_refused(
    project, pending_cable, alice, nothing_written
):
    client = client_as(alice)
    url = f"/projects/{project.pk}/deliveries/{pending_cable.pk}/"
    body = {
        "action": "photos",
        "photos-photo_of": "delivery_note",
        "photos-photos_chosen": [named_jpeg(), named_jpeg()],
    }
    assert client.post(url, body).status_code == 303
    assert list(pending_cable.photos.values_list("kind", flat=True)) == ["delivery_note"] * 2
    nothing_written.take()
    body = {
        "action": "photos",
        "photos-photo_of": "label",
        "photos-photo_taken": upload(pdf("not a photo"), "label.jpg"),
    }
    response = client.post(url, body)
    assert response.status_code == 400
    assert "PDF" in field_errors(response, "photos-photo_taken")
    assert nothing_written.unchanged()
