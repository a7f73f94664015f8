"""The regulator's jurisdiction dashboard (/oversight/): counts per kind and per project, the
filters and what a bad one answers, pages and sorting, a link from every item to the page
where it can be seen, who may open it, and the same queries for two projects or five."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspections import services as inspections
from ledger.services import ledger_append
from materials import services as materials
from projects import services as projects
from projects.models import LeadTenure, Membership, Project, Role
from responsibility import oversight, plaques
from responsibility.deadlines import lead_change_due
from tests.conftest import PARTIES, credit_code, id_number, lead_of
from tests.responsibility.defect_data import named, pdf

URL = "/oversight/"


def page_of(user, query: str = "", *, status: int = 200, language: str = "en") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    response = client.get(URL + query)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def section(page: str, key: str) -> str:
    start = page.index(f'id="{key}"')
    end = page.index("</section>", start)
    return page[start:end]


def badge(page: str, key: str) -> int:
    return int(re.search(r'class="badge \w+">(\d+)<', section(page, key)).group(1))


def small_project(name: str, code: str, admin, leads: int = 1) -> Project:
    """A registered project whose first ``leads`` leads have signed nothing."""
    made = projects.project_create(name=name, jurisdiction_code=code, actor=admin)
    for index, (role, (org_name, _code)) in enumerate(list(PARTIES.items())[:leads]):
        organization = projects.organization_create(
            name=f"{org_name}{made.pk}",
            credit_code=credit_code(f"9133{made.pk:06d}{index}000000"[:17]),
            actor=admin,
        )
        projects.participation_create(
            project=made, organization=organization, role=role, actor=admin
        )
        person = projects.person_create(
            name=f"负责人{made.pk}{index}",
            id_number=id_number(f"33010619800101{made.pk % 100:02d}{index}"),
            organization=organization,
            actor=admin,
        )
        projects.lead_tenure_open(
            project=made,
            role=role,
            person=person,
            start_date=datetime.date(2025, 6, 2),
            actor=admin,
        )
    return made


@pytest.fixture
def open_items(project, site, admin, alice, leo, quinn, reggie):
    """Besides the five unsigned leads and the overdue lead change of the ``site``: a failed
    test not yet acted on, an open recall action and a record returned three times."""
    delivery = materials.delivery_create(
        project=project,
        batch=site["batch"],
        quantity=Decimal("500"),
        unit="m",
        delivered_on=datetime.date(2025, 5, 1),
        inspected_by=lead_of(project, Role.CONTRACTOR).person,
        actor=leo,
    )
    sample = materials.sample_create(
        delivery=delivery,
        seal_number="FY-0002",
        sampling_location="现场材料堆场",
        sampled_on=datetime.date(2025, 5, 1),
        sampler=lead_of(project, Role.CONTRACTOR).person,
        witness=alice.person,
        testing_lab=site["sample"].testing_lab,
        actor=leo,
    )
    materials.sample_report_add(
        sample=sample,
        report_number="HZJC-2025-0503",
        result="fail",
        tested_on=datetime.date(2025, 5, 4),
        fileobj=named(pdf("Test report HZJC-2025-0503"), "report.pdf"),
        actor=leo,
    )
    notice = materials.defect_notice_issue(
        manufacturer=site["batch"].manufacturer,
        product=site["batch"].product,
        source="省市场监督管理局抽查通报",
        issued_on=datetime.date(2025, 7, 1),
        batches=[site["batch"]],
        actor=reggie,
    )
    action = materials.recall_action_open(
        notice=notice, project=project, kind="stop_use", actor=alice
    )
    lot = inspections.record_create(
        project=project,
        unit_work=site["unit_work"],
        level="inspection_lot",
        parent=site["chain"]["sub_item"],
        title="5层梁钢筋安装检验批",
        date=datetime.date(2025, 4, 20),
        actor=admin,
    )
    for round_number in range(3):
        inspections.record_submit(record=lot, actor=quinn)
        inspections.record_return(record=lot, reasons=f"第{round_number + 1}次退回", actor=alice)
    return {"sample": sample, "notice": notice, "action": action, "lot": lot}


def test_the_dashboard_counts_each_kind_and_links_every_item_to_where_it_can_be_seen(
    project, open_items, reggie
):
    page = page_of(reggie)
    assert "Jurisdiction dashboard" in page
    assert 'aria-current="page">Jurisdiction' in page  # the console's tab bar
    counts = {kind.key: badge(page, kind.key) for kind in oversight.KINDS}
    assert counts == {
        "missing_documents": 5,
        "overdue_lead_changes": 1,
        "plaques": 0,
        "failed_samples": 1,
        "open_recalls": 1,
        "returned_records": 1,
    }
    p, action = project.pk, open_items["action"]
    expected = {
        "missing_documents": reverse("archive-documents-page", args=[p]),
        "overdue_lead_changes": reverse("lead-timeline-page", args=[p]),
        "failed_samples": reverse("sample-page", args=[p, open_items["sample"].pk]),
        "open_recalls": reverse("recall-action-page", args=[action.notice_id, action.pk]),
        "returned_records": reverse("record-page", args=[p, open_items["lot"].pk]),
    }
    archive = reverse("archive-page", args=[p])
    for key, href in expected.items():
        assert f'<a href="{href}" class="item">' in section(page, key), key
        assert f'<a href="{archive}" class="project">{project.name}</a>' in section(page, key)
    assert "for 聚氯乙烯绝缘电缆 is open." in section(page, "open_recalls")
    # The projects with the most open items: this one, nine items, each kind in its column.
    top = section(page, "top-projects")
    assert f'<a href="{archive}">{project.name}</a>' in top
    assert re.findall(r"<td>(\d+)</td>", top) == ["330108", "5", "1", "0", "1", "1", "1"]
    assert "<strong>9</strong>" in top


def test_the_charts_draw_the_open_items_by_month_and_the_projects_by_stage(
    project, open_items, reggie
):
    page = page_of(reggie)
    months = page[page.index('id="chart-months"') : page.index('id="chart-stages"')]
    assert '<svg class="chart-svg"' in months
    assert 'role="img"' in months
    assert "style=" not in months
    # The recall action opened today is in this month's bar and in the table beside it.
    this_month = timezone.localdate().strftime("%Y-%m")
    assert f"<title>{this_month}: " in months
    assert 'class="k-open_recalls"' in months
    row = re.search(rf"<th scope=\"row\">{this_month}</th>(.*?)</tr>", months).group(1)
    assert re.findall(r"<td>(\d+)</td>", row)[4] == "1"  # the open recalls column
    stages = page[page.index('id="chart-stages"') : page.index('id="top-projects"')]
    project.refresh_from_db()
    assert f'<th scope="row">{project.get_stage_display()}</th><td>1</td>' in stages
    assert stages.count('class="stage-bar"') == len(Project.Stage.values)


def test_filters_narrow_the_lists_by_kind_district_stage_and_date(
    project, open_items, reggie, admin
):
    small_project("杭州市西湖区某学校", "330106", admin, leads=2)
    page = page_of(reggie, "?kind=open_recalls")
    assert 'id="open_recalls"' in page
    assert 'id="missing_documents"' not in page
    assert "2 projects match the filters." in page

    page = page_of(reggie, "?district=330106")
    assert "1 project matches the filters." in page
    assert badge(page, "missing_documents") == 2
    assert badge(page, "open_recalls") == 0
    assert project.name not in page

    assert badge(page_of(reggie, "?stage=under_construction"), "missing_documents") == 5
    assert badge(page_of(reggie, "?stage=registered"), "missing_documents") == 2

    # Since: only items that arose on or after the day (the first leads started 2025-03-01,
    # the new design lead and the school's two later; the returned record is of 2025-04-20).
    page = page_of(reggie, "?since=2025-05-01")
    assert badge(page, "missing_documents") == 3
    assert badge(page, "returned_records") == 0
    assert badge(page, "open_recalls") == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?kind=everything", "“everything” is not a value of this filter; use one of:"),
        ("?district=320102", "“320102” is not a value of this filter; use one of: 330108"),
        ("?stage=demolished", "use one of: registered, under_supervision"),
        ("?sort=colour", "use one of: oldest, newest, project"),
        ("?since=last-week", "Enter the date as YYYY-MM-DD."),
        ("?colour=red", "“colour” is not a filter of this page; it takes: district, stage,"),
        ("?kind=plaques&kind=open_recalls", "Give “kind” once; this request gave it 2 times."),
        ("?missing_documents_page=two", "missing_documents_page: A page number is a whole"),
        ("?missing_documents_page=0", "missing_documents_page: Ensure this value is greater"),
    ],
)
def test_a_bad_parameter_is_a_400_that_says_what_was_wrong(project, reggie, query, message):
    page = page_of(reggie, query, status=400)
    assert message in page.replace("&amp;", "&")
    assert 'id="filters"' in page  # the form, to put it right
    assert 'id="missing_documents"' not in page


def test_each_list_shows_a_page_and_links_to_the_next_keeping_the_filters(
    project, reggie, admin, monkeypatch
):
    monkeypatch.setattr(oversight, "PAGE_SIZE", 2)
    page = page_of(reggie, "?stage=registered")
    missing = section(page, "missing_documents")
    assert badge(page, "missing_documents") == 5
    assert missing.count('class="item"') == 2
    assert "Page 1 of 3" in missing
    next_url = re.search(r'<a href="([^"]+)" rel="next">', missing).group(1)
    assert next_url == "/oversight/?stage=registered&amp;missing_documents_page=2#missing_documents"
    last = section(
        page_of(reggie, "?stage=registered&missing_documents_page=3"), "missing_documents"
    )
    assert last.count('class="item"') == 1
    assert "Page 3 of 3" in last
    assert 'rel="next"' not in last
    assert 'rel="prev"' in last
    # A page past the end shows the last one.
    assert "Page 3 of 3" in section(
        page_of(reggie, "?missing_documents_page=40"), "missing_documents"
    )


def test_lists_sort_by_date_either_way_or_by_project(project, reggie, admin):
    small_project("杭州市西湖区A学校", "330106", admin)  # its lead started 2025-06-02

    def projects_in_order(query):
        missing = section(page_of(reggie, query), "missing_documents")
        return re.findall(r'class="project">([^<]+)</a>', missing)

    assert projects_in_order("?sort=newest")[0] == "杭州市西湖区A学校"
    assert projects_in_order("?sort=oldest")[-1] == "杭州市西湖区A学校"
    by_project = projects_in_order("?sort=project")
    assert by_project == sorted(by_project)


def test_a_site_supervisor_is_refused_with_the_reason(project, alice):
    page = page_of(alice, status=403)
    assert "The oversight lists are for regulators and archive operators." in page


def test_a_regulator_sees_only_their_jurisdiction_and_an_operator_sees_every_project(
    project, open_items, rita, admin, other_project
):
    # Also a member of the Hangzhou project: she sees it, but overseeing it is Hangzhou's.
    projects.membership_create(
        user=rita, project=project, role=Membership.Role.LEGAL_REPRESENTATIVE, actor=admin
    )
    jiangsu = page_of(rita)
    assert project.name not in jiangsu
    assert "1 project matches the filters." in jiangsu  # other_project, in Nanjing
    assert "330108" not in jiangsu  # not even as a district to choose
    operator = page_of(admin)
    assert "2 projects match the filters." in operator
    assert project.name in operator


def test_the_dashboard_costs_the_same_queries_for_two_projects_or_five(
    project, open_items, reggie, admin, django_assert_max_num_queries
):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(reggie)
    small_project("杭州另一工程1", "330106", admin)
    with CaptureQueriesContext(connection) as two:
        client.get(URL)
    for n in range(2, 5):
        small_project(f"杭州另一工程{n}", "330110", admin, leads=2)
    with django_assert_max_num_queries(18) as five:
        page = client.get(URL + "?sort=project").content.decode()
    assert "5 projects match the filters." in page
    assert len(five.captured_queries) == len(two.captured_queries)


def test_the_sql_lead_change_deadline_agrees_with_the_python_rule(project, settings):
    tenure = lead_of(project, Role.DESIGN)
    for overrides in ({}, {"330100": 3}, {"330000": 10, "330108": 1}):
        settings.LEAD_CHANGE_DEADLINE_OVERRIDES = overrides
        for offset in range(14):
            start = datetime.date(2025, 3, 1) + datetime.timedelta(days=offset)
            LeadTenure.objects.filter(pk=tenure.pk).update(start_date=start)
            tenure.refresh_from_db()
            due = (
                LeadTenure.objects.filter(pk=tenure.pk)
                .annotate(due=oversight.lead_change_due_sql())
                .get()
                .due
            )
            assert due == lead_change_due(tenure), (overrides, start)


def test_the_most_specific_region_rule_sets_the_plaque_deadline(project, site, admin, settings):
    with transaction.atomic():
        project.stage = Project.Stage.COMPLETION_ACCEPTED
        project.save(update_fields=["stage"])
        ledger_append(record=project, action="state", actor=admin)
    plaque = plaques.plaque_freeze(unit_work=site["unit_work"], actor=admin)
    projects_ = Project.objects.filter(pk=project.pk)
    settings.PLAQUE_INSTALL_RULES = {"330000": 30, "330100": -1}  # the city's rule: late
    [late] = oversight.oversight_items("plaques", projects_)
    assert late.item_since == plaques.install_due(plaque, "330108")
    settings.PLAQUE_INSTALL_RULES = {"330108": 30, "330100": -1}  # the district's: not yet
    assert not oversight.oversight_items("plaques", projects_).exists()
