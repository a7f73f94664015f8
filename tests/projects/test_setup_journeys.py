"""Setting up a project in a real browser on a phone (zh): the operator registers a project,
its unit work and locations, the five parties and their leads; the gaps and the refused gate
say what is missing; once the letters and pledges are signed the project enters supervision.
And a wrong credit code or ID number is explained at the field, with nothing written."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from ledger.models import LedgerEntry
from projects import services
from projects.models import Location, Membership, Organization, Person, Project, Role
from responsibility.models import ResponsibilityDocument
from tests.browser import MARKS
from tests.conftest import LEADS, PARTIES, PASSWORD, credit_code, id_number
from tests.pages import assert_page_ok, phone, screenshot

pytestmark = MARKS


@pytest.fixture(autouse=True)
def projects_layer_gates_only():
    """The journey passes every gate the apps register, letters and pledges included."""


def shot(page, name: str) -> None:
    screenshot(page, f"setup-{name}")


def submit(page, label: str) -> None:
    page.get_by_role("button", name=label).click()
    page.wait_for_load_state("load")


def test_the_operator_sets_up_a_project_and_it_enters_supervision_once_all_have_signed(
    live_server, browser, admin
):
    page = phone(browser, live_server, admin)
    page.set_default_timeout(5000)

    # The project.
    page.goto(live_server.url + "/projects/new/")
    assert_page_ok(page)
    page.get_by_label("名称").fill("杭州市滨江区某住宅小区5号楼")
    page.get_by_label("管辖区域（行政区划代码）").fill("330108")
    submit(page, "登记项目")
    expect(page.get_by_role("heading", name="项目设置")).to_be_visible()
    project = Project.objects.get(name="杭州市滨江区某住宅小区5号楼")
    assert page.url.endswith(f"/projects/{project.pk}/setup/")

    # Its unit work and locations.
    page.get_by_role("button", name="添加单位工程").click()
    assert_page_ok(page)
    page.get_by_label("名称").fill("5号楼")
    page.get_by_label("结构类型").select_option("shear_wall")
    page.get_by_label("地上层数").fill("18")
    page.get_by_label("建筑面积（m²）").fill("12500")
    page.get_by_label("设计使用年限（年）").fill("50")
    submit(page, "添加单位工程")
    page.locator("#id_new-kind").select_option("unit")
    page.locator("#id_new-name").fill("5号楼")
    submit(page, "添加部位")
    page.locator("#id_new-kind").select_option("floor")
    page.locator("#id_new-name").fill("1层")
    page.get_by_label("位于").select_option(label="5号楼")
    submit(page, "添加部位")
    expect(page.locator(".location-tree")).to_contain_text("1层")
    assert_page_ok(page)
    shot(page, "location-tree")
    unit_work = project.unit_works.get()
    floor = Location.objects.get(unit_work=unit_work, name="1层")
    assert floor.parent.name == "5号楼"

    # The five parties, each found or registered by its credit code, and their leads.
    setup_url = f"{live_server.url}/projects/{project.pk}/setup/"
    for role, (name, first17) in PARTIES.items():
        page.goto(setup_url)
        page.get_by_role("button", name="添加参建单位").click()
        page.get_by_label("统一社会信用代码").fill(credit_code(first17))
        expect(page.locator("#credit-code-check")).to_contain_text("尚未登记")
        page.get_by_label("名称（仅用于尚未登记的单位）").fill(name)
        page.get_by_label("角色").select_option(role.value)
        if role == Role.OWNER:
            assert_page_ok(page)
            shot(page, "party-create")
        submit(page, "添加参建单位")
        expect(page.locator(".messages")).to_contain_text(name)

        lead_name, lead_first17, qualification, cert_no = LEADS[role]
        page.get_by_role("button", name="添加人员或负责人").click()
        page.get_by_label("姓名").fill(lead_name)
        page.get_by_label("居民身份证号码").fill(id_number(lead_first17))
        expect(page.locator("#id-number-check")).to_contain_text("有效")
        page.get_by_label("工作单位").select_option(label=name)
        page.locator("#id_practice_qualification").select_option(qualification)
        page.get_by_label("执业证书编号").fill(cert_no)
        page.get_by_label("是该单位的法定代表人（签署其授权书）").check()
        page.get_by_label("担任项目负责人").select_option(role.value)
        page.get_by_label("任职起始日期").fill("2026-03-02")
        if role == Role.OWNER:
            assert_page_ok(page)
            shot(page, "person-create")
        submit(page, "添加人员")
        expect(page.locator(".messages")).to_contain_text(lead_name)

    # The gaps: each role lacks its signed letter and pledge; the gate says why it refuses.
    assert_page_ok(page)
    gaps = page.locator(".gap-list li")
    expect(gaps).to_have_count(10)
    expect(page.locator(".gap-list")).to_contain_text("尚无王建国的已签署法定代表人授权书")
    enter = page.get_by_role("button", name="进入质量监督")
    expect(enter).to_be_disabled()
    expect(page.locator("#gate-under_supervision-why")).to_contain_text("尚缺少 10 项")
    shot(page, "project-setup")
    lead = Person.objects.get(name="王建国")
    assert lead.id_number_masked in page.content()
    assert id_number(LEADS[Role.OWNER][1]) not in page.content()

    # The leads page: timelines, the letters and pledges prepared for their signers.
    page.get_by_role("link", name="负责人及其任期").click()
    assert_page_ok(page)
    for section in page.locator("section.role").all()[:5]:
        section.get_by_role("button", name="准备授权书和承诺书").click()
        page.wait_for_load_state("load")
    expect(page.locator(".documents .badge.waiting")).to_have_count(10)
    shot(page, "leads")

    # Each lead gets a login (accounts are an operator's work in the admin).
    users = {}
    for role in list(PARTIES):
        person = project.lead_tenures.get(role=role).person
        user = get_user_model().objects.create_user(username=f"lead_{role}", password=PASSWORD)
        services.person_update(person=person, user=user, actor=admin)
        services.membership_create(
            user=user, project=project, role=Membership.Role.PROJECT_LEAD, actor=admin
        )
        users[role] = user
    # Each lead (here also their employer's legal representative) signs in, finds both
    # documents on my work and signs them on the signing page.
    for role, user in users.items():
        lead = phone(browser, live_server, user)
        lead.set_default_timeout(10000)
        lead.goto(live_server.url + "/")
        waiting = lead.locator("#to-sign .document-to-sign")
        expect(waiting).to_have_count(2)
        if role == Role.OWNER:
            assert_page_ok(lead)
        for _document in range(2):
            lead.goto(live_server.url + "/")
            lead.locator("#to-sign .document-to-sign a[role=button]").first.click()
            lead.fill("#password", PASSWORD)
            lead.check("#consent")
            lead.click("#sign")
            lead.wait_for_selector("#signed")
        lead.goto(live_server.url + "/")
        expect(lead.locator("#to-sign")).to_have_count(0)
        lead.context.close()
    assert ResponsibilityDocument.objects.filter(project=project, status="signed").count() == 10

    # The gaps clear, and the project enters quality supervision.
    page.goto(setup_url)
    expect(page.locator(".setup-gaps")).to_contain_text("完整")
    submit(page, "进入质量监督")
    expect(page.locator(".messages")).to_contain_text("进入质量监督")
    assert_page_ok(page)
    project.refresh_from_db()
    assert project.stage == Project.Stage.UNDER_SUPERVISION
    assert LedgerEntry.objects.filter(
        record_id=str(project.pk), action=LedgerEntry.Action.STATE
    ).exists()


def test_a_wrong_credit_code_and_id_number_are_explained_at_the_field_and_nothing_is_written(
    live_server, browser, project, alice
):
    page = phone(browser, live_server, alice)
    page.set_default_timeout(5000)
    good = credit_code("91330108MA27XK3L5")
    wrong = good[:17] + ("0" if good[-1] != "0" else "1")
    before = (
        Organization.objects.count(),
        Person.objects.count(),
        project.participations.count(),
        LedgerEntry.objects.count(),
    )

    page.goto(f"{live_server.url}/projects/{project.pk}/setup/parties/new/")
    page.get_by_label("统一社会信用代码").fill(wrong)
    expect(page.locator("#credit-code-check")).to_contain_text(f"应为“{good[-1]}”")
    page.get_by_label("名称（仅用于尚未登记的单位）").fill("杭州某混凝土有限公司")
    page.get_by_label("角色").select_option("ready_mix")
    submit(page, "添加参建单位")
    field = page.get_by_label("统一社会信用代码")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".errorlist")).to_contain_text(f"应为“{good[-1]}”")
    assert_page_ok(page)
    shot(page, "party-create-wrong-code")

    number = id_number("33010219900101123")
    wrong_number = number[:17] + ("0" if number[-1] != "0" else "1")
    page.goto(f"{live_server.url}/projects/{project.pk}/setup/people/new/")
    page.get_by_label("姓名").fill("钱多多")
    page.get_by_label("居民身份证号码").fill(wrong_number[:10])
    expect(page.locator("#id-number-check")).to_contain_text(re.compile("18"))
    page.get_by_label("居民身份证号码").fill(wrong_number)
    expect(page.locator("#id-number-check")).to_contain_text(f"应为“{number[-1]}”")
    submit(page, "添加人员")
    expect(page.get_by_label("居民身份证号码")).to_have_attribute("aria-invalid", "true")
    assert_page_ok(page)
    shot(page, "person-create-wrong-id")

    after = (
        Organization.objects.count(),
        Person.objects.count(),
        project.participations.count(),
        LedgerEntry.objects.count(),
    )
    assert after == before


def test_a_change_of_lead_shows_on_the_timeline_with_the_new_leads_deadline(
    live_server, browser, project, alice, olga
):
    page = phone(browser, live_server, alice)
    page.set_default_timeout(5000)
    owner = project.participations.get(role=Role.OWNER).organization

    # The successor is registered as staff of the owner first.
    page.goto(f"{live_server.url}/projects/{project.pk}/setup/people/new/")
    page.get_by_label("姓名").fill("孙海")
    page.get_by_label("居民身份证号码").fill(id_number("33010219820101123"))
    page.get_by_label("工作单位").select_option(label=owner.name)
    submit(page, "添加人员")
    expect(page.locator(".messages")).to_contain_text("孙海")

    # Every role has its first lead already: the page to name one says so.
    page.goto(f"{live_server.url}/projects/{project.pk}/setup/leads/new/")
    expect(page.locator("main")).to_contain_text("各参建单位的角色均已有负责人")
    assert_page_ok(page)

    page.goto(f"{live_server.url}/projects/{project.pk}/setup/")
    page.get_by_role("link", name="负责人及其任期").click()
    page.get_by_role("button", name="变更负责人").first.click()
    assert_page_ok(page)
    page.get_by_label("变更日期（现任负责人最后一天、新负责人第一天）").fill(
        timezone.localdate().isoformat()
    )
    page.locator("#id_person").select_option(str(Person.objects.get(name="孙海").pk))
    page.get_by_label("变更原因").fill("原负责人调往集团总部")
    shot(page, "lead-change")
    submit(page, "变更负责人")

    expect(page.locator(".messages")).to_contain_text("孙海")
    owner_section = page.locator("section.role").first
    expect(owner_section.locator(".tenure")).to_have_count(2)
    expect(owner_section).to_contain_text("原负责人调往集团总部")
    expect(owner_section.locator(".tenure.current")).to_contain_text("孙海")
    expect(owner_section.locator(".badge.waiting")).to_have_count(3)  # letter, pledge, deadline
    expect(owner_section).to_contain_text("须于")
    assert_page_ok(page)
    shot(page, "leads-after-change")
    new = project.lead_tenures.get(role=Role.OWNER, end_date__isnull=True)
    assert new.person.name == "孙海"
    assert set(new.responsibility_documents.values_list("kind", flat=True)) == {"letter", "pledge"}
