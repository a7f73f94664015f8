"""A site supervisor's materials work on a phone, in a real browser: a delivery of cable
from its arrival to the floor it went into (journey 1, in Chinese and in English), and a
delivery a failed test blocks (journey 2). Each step asserts what the supervisor sees and
what the archive then holds; every page passes axe-core and fits a 360 px screen.

Set SCREENSHOTS=<dir> to keep a phone screenshot of each page visited."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ledger.canonical import record_type
from ledger.models import LedgerEntry
from materials.models import Batch, Delivery, DeliveryPhoto, MaterialCategory, Sample, Usage
from materials.models import TestReport as Report
from projects.models import Location, Organization, Person, Project, UnitWork
from storage.selectors import object_read_bytes
from tests.browser import MARKS, previews_made
from tests.materials.conftest import deliver, sample
from tests.pages import assert_page_ok, phone, screenshot
from tests.storage.samples import jpeg, pdf

pytestmark = MARKS

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
LABEL = jpeg((80, 60))
CERTIFICATE = pdf("Certificate of conformity")
REPORT = pdf("Test report HZJC-2025-0417")


def file(name, mime, data):
    return {"name": name, "mimeType": mime, "buffer": data}


def entries(record) -> list[str]:
    """The actions the ledger holds for ``record``, oldest first."""
    return list(
        LedgerEntry.objects.filter(record_type=record_type(type(record)), record_id=str(record.pk))
        .order_by("index")
        .values_list("action", flat=True)
    )


class Visit:
    """Checks each page the journey reaches: axe, 360 px, CSP; in English also that the
    page's own words are English (the records' names stay as they were recorded)."""

    def __init__(self, page, language):
        self.page = page
        self.language = language

    def check(self, name: str) -> None:
        self.page.wait_for_load_state()
        assert_page_ok(self.page)
        if self.language == "en":
            assert not self.chinese_words(), f"{name}: {self.chinese_words()}"
        screenshot(self.page, f"{name}-{self.language}")

    def chinese_words(self) -> list[str]:
        text = self.page.locator("main").inner_text()
        for word in sorted(recorded_names(), key=len, reverse=True):
            text = text.replace(word, " ")
        return sorted(set(CJK.findall(text)))


def recorded_names() -> set[str]:
    """Names the archive holds as recorded (in Chinese, whatever the reader's language)."""
    names = set(Project.objects.values_list("name", flat=True))
    names |= set(Project.objects.values_list("address", flat=True))
    names |= set(Organization.objects.values_list("name", flat=True))
    names |= set(Person.objects.values_list("name", flat=True))
    names |= set(MaterialCategory.objects.values_list("name", flat=True))
    names |= set(Location.objects.values_list("name", flat=True))
    names |= set(UnitWork.objects.values_list("name", flat=True))
    names |= set(Batch.objects.values_list("product", flat=True))
    names |= set(Batch.objects.values_list("model_spec", flat=True))
    return {n for n in names if n}


WORDS = {
    "zh-hans": {
        "record_delivery": "登记材料进场",
        "submit_delivery": "登记进场",
        "recorded": "材料进场已登记。",
        "waiting": "待取样",
        "record_sample": "登记见证取样",
        "sample_recorded": "取样已登记。",
        "attached": "检测报告已上传。",
        "passed": "合格",
        "accept": "验收该进场批次",
        "accepted": "已验收",
        "left": "剩余可用",
        "record_usage": "登记材料使用",
        "usage_recorded": "材料使用已登记。",
        "used": "120 米",
        "blocked": "已阻止：检测不合格",
        "refused": "该进场批次有样品检测不合格，不能验收",
    },
    "en": {
        "record_delivery": "Record a delivery",
        "submit_delivery": "Record the delivery",
        "recorded": "The delivery is recorded.",
        "waiting": "waiting for a sample",
        "record_sample": "Record a witness sample",
        "sample_recorded": "The sample is recorded.",
        "attached": "The test report is attached.",
        "passed": "passed",
        "accept": "Accept the delivery",
        "accepted": "accepted",
        "left": "Left to use",
        "record_usage": "Record a usage",
        "usage_recorded": "The usage is recorded.",
        "used": "120 metres",
        "blocked": "blocked: a test failed",
        "refused": "failed its test: it cannot be accepted",
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_supervisor_takes_a_delivery_of_cable_from_its_arrival_to_the_floor_it_went_into(
    live_server,
    browser,
    project,
    alice,
    leo,
    catalogue,
    cable_maker,
    contractor_person,
    lab,
    floor,
    language,
):
    """Journey 1 (and 6: the same in English)."""
    words = WORDS[language]
    page = phone(browser, live_server, alice, language=language)
    visit = Visit(page, language)
    base = f"{live_server.url}/projects/{project.pk}"

    page.goto(f"{base}/")
    visit.check("project")
    page.goto(f"{base}/deliveries/")
    visit.check("delivery-list-empty")

    # A new batch of cable arrives with its certificate; the label is photographed.
    page.locator("main a", has_text=words["record_delivery"]).click()
    expect(page.locator("h1")).to_have_text(words["record_delivery"])
    visit.check("delivery-create")
    page.select_option("#id_category", str(catalogue["cable"].pk))
    page.select_option("#id_manufacturer", str(cable_maker.pk))
    page.fill("#id_product", "PVC insulated cable" if language == "en" else "聚氯乙烯绝缘电缆")
    page.fill("#id_model_spec", "BV-450/750V 2.5mm2")
    page.fill("#id_batch_number", "B2503-017")
    page.fill("#id_production_date", "2025-03-10")
    page.fill("#id_ccc_certificate_number", "2020010105123456")
    page.set_input_files(
        "#id_certificate_of_conformity", file("coc.pdf", "application/pdf", CERTIFICATE)
    )
    page.fill("#id_quantity", "1000")
    page.select_option("#id_unit", "m")
    page.fill("#id_delivered_on", "2025-04-01")
    page.select_option("#id_inspected_by", str(contractor_person.pk))
    expect(page.locator("#id_photo_taken")).to_have_attribute("capture", "environment")
    expect(page.locator("#id_photos_chosen")).to_have_attribute("multiple", "")
    page.set_input_files("#id_photo_taken", file("label.jpg", "image/jpeg", LABEL))
    page.get_by_role("button", name=words["submit_delivery"]).click()

    expect(page.locator(".messages")).to_contain_text(words["recorded"])
    expect(page.locator("#state")).to_contain_text(words["waiting"])
    previews_made(page)  # the job worker makes the previews
    expect(page.locator(".thumbs img")).to_have_count(1)
    visit.check("delivery-pending")
    delivery = Delivery.objects.get()
    assert (delivery.quantity, delivery.unit, delivery.state) == (1000, "m", "pending")
    assert delivery.batch.recorded_for == project
    photo = DeliveryPhoto.objects.get(delivery=delivery)
    assert (photo.kind, object_read_bytes(obj=photo.stored_object)) == ("label", LABEL)
    certificate = delivery.batch.files.get()
    assert object_read_bytes(obj=certificate.stored_object) == CERTIFICATE
    assert entries(delivery) == ["create"]
    assert entries(photo) == ["create", "update"]  # the preview job filled its preview

    # The contractor takes a sample; alice witnesses it.
    page.locator("main a", has_text=words["record_sample"]).click()
    visit.check("sample-create")
    page.fill("#id_seal_number", "FY-2025-0401")
    page.fill("#id_sampled_on", "2025-04-01")
    page.select_option("#id_sampler", str(contractor_person.pk))
    page.select_option("#id_witness", str(alice.person.pk))
    page.select_option("#id_testing_lab", str(lab.pk))
    page.locator("form.record-form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(words["sample_recorded"])
    visit.check("sample-untested")
    taken = Sample.objects.get()
    assert (taken.seal_number, taken.witness, taken.delivery) == (
        "FY-2025-0401",
        alice.person,
        delivery,
    )
    assert entries(taken) == ["create"]

    # The lab's report says pass.
    page.fill("#id_report_number", "HZJC-2025-0417")
    page.check("input[name=result][value=pass]")
    page.fill("#id_tested_on", "2025-04-04")
    page.set_input_files("#id_file", file("report.pdf", "application/pdf", REPORT))
    page.locator("form.record-form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(words["attached"])
    expect(page.locator("#report")).to_contain_text(words["passed"])
    visit.check("sample-passed")
    report = Report.objects.get()
    assert (report.result, object_read_bytes(obj=report.stored_object)) == ("pass", REPORT)
    assert entries(report) == ["create"]

    # Back on the delivery, alice accepts it.
    page.locator(f"main p a[href$='/deliveries/{delivery.pk}/']").click()
    page.get_by_role("button", name=words["accept"]).click()
    expect(page.locator("#state")).to_contain_text(words["accepted"])
    expect(page.locator("#left")).to_contain_text("1000")
    visit.check("delivery-accepted")
    delivery.refresh_from_db()
    assert (delivery.state, delivery.decided_by) == ("accepted", alice)
    assert entries(delivery) == ["create", "state", "state"]  # sampled, then accepted

    # 120 m of it go into the 5th floor, picked from the unit work's location tree.
    page.locator("main a", has_text=words["record_usage"]).click()
    visit.check("usage-create")
    expect(page.locator("#id_delivery")).to_have_value(str(delivery.pk))
    expect(page.locator("#id_delivery option:checked")).to_contain_text("1000")
    page.select_option("#id_location", str(floor.pk))
    page.fill("#id_quantity", "120")
    page.fill("#id_used_on", "2025-04-10")
    page.locator("form.record-form button[type=submit]").click()

    # The location page shows what was used there.
    expect(page).to_have_url(f"{base}/locations/{floor.pk}/")
    expect(page.locator(".messages")).to_contain_text(words["usage_recorded"])
    expect(page.locator("#usages")).to_contain_text(words["used"])
    visit.check("location")
    usage = Usage.objects.get()
    assert (usage.delivery, usage.location, usage.quantity) == (delivery, floor, 120)
    assert entries(usage) == ["create"]

    page.goto(f"{base}/usages/")
    expect(page.locator("#usages")).to_contain_text(floor.name)
    visit.check("usage-list")
    page.goto(f"{base}/deliveries/")
    expect(page.locator("#deliveries")).to_contain_text(words["accepted"])
    visit.check("delivery-list")


def test_a_failed_report_blocks_the_delivery_and_accepting_it_is_refused_with_the_reason(
    live_server, browser, project, alice, leo, cable_batch, contractor_person, lab
):
    """Journey 2."""
    words = WORDS["zh-hans"]
    delivery = deliver(project, cable_batch, contractor_person, leo)
    taken = sample(delivery, contractor_person, lab, leo, witness=alice.person, result=None)
    page = phone(browser, live_server, alice)
    visit = Visit(page, "zh-hans")
    base = f"{live_server.url}/projects/{project.pk}"

    page.goto(f"{base}/samples/{taken.pk}/")
    page.fill("#id_report_number", "HZJC-2025-0418")
    page.check("input[name=result][value=fail]")
    page.fill("#id_tested_on", "2025-04-04")
    page.set_input_files("#id_file", file("report.pdf", "application/pdf", REPORT))
    page.locator("form.record-form button[type=submit]").click()
    expect(page.locator(".blocked-note")).to_be_visible()
    expect(page.locator(".badge.blocked")).to_have_text(words["blocked"])
    visit.check("sample-failed")
    report = Report.objects.get()
    assert report.result == "fail"
    assert object_read_bytes(obj=report.stored_object) == REPORT
    assert entries(report) == ["create"]

    # The list shows it blocked, and the "blocked" filter swaps in just such deliveries.
    page.goto(f"{base}/deliveries/")
    expect(page.locator("#deliveries .badge.blocked")).to_have_count(1)
    page.select_option("#id_state", "accepted")
    expect(page.locator("#deliveries .badge")).to_have_count(0)
    page.select_option("#id_state", "blocked")
    expect(page.locator("#deliveries .badge.blocked")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"state=blocked"))
    visit.check("delivery-list-blocked")

    page.locator("#deliveries a").first.click()
    expect(page.locator("#state")).to_contain_text(words["blocked"])
    expect(page.locator(".blocked-note")).to_be_visible()
    visit.check("delivery-blocked")
    page.get_by_role("button", name=words["accept"]).click()
    expect(page.locator("#decision-errors")).to_contain_text(words["refused"])
    visit.check("delivery-refused")
    delivery.refresh_from_db()
    assert delivery.state == "sampled"
    assert entries(delivery) == ["create", "state"]
