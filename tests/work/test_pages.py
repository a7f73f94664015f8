"""The projects list, a project's page and its defect cases, through the Django test
client: who may open them (a permission table with outsiders), what they show, and a fixed
number of queries whatever the number of rows."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from responsibility import defects
from tests.work.conftest import BEIJING, more_of_everything, photo

# Members, and the regulator whose jurisdiction covers the project, see it; the outsider,
# the regulator of another province and the one of the neighbouring district do not.
SEE = {"alice": 200, "olga": 200, "reggie": 200, "charlie": 404, "rita": 404, "dan": 404}


def urls(desk) -> list[str]:
    project, case = desk["project"], desk["case"]
    return [
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/defects/",
        f"/projects/{project.pk}/defects/{case.pk}/",
    ]


@pytest.mark.parametrize(("actor", "status"), SEE.items())
def test_who_opens_the_project_page_and_its_defect_cases(client, desk, request, actor, status):
    client.force_login(request.getfixturevalue(actor))
    for url in urls(desk):
        response = client.get(url)
        assert response.status_code == status, url
        page = response.content.decode()
        if status == 404:
            assert "<h1>未找到</h1>" in page, url
            assert desk["project"].name not in page
            assert desk["case"].number not in page


def test_nobody_signed_in_is_sent_to_sign_in(client, desk):
    for url in urls(desk):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_a_case_of_another_project_is_not_found_under_this_one(client, desk, other_project, admin):
    client.force_login(admin)
    response = client.get(f"/projects/{other_project.pk}/defects/{desk['case'].pk}/")
    assert response.status_code == 404


def test_the_project_page_shows_parties_leads_unit_works_locations_and_what_is_open(client, desk):
    client.force_login(desk["olga"])
    page = client.get(f"/projects/{desk['project'].pk}/").content.decode()
    assert "杭州信达工程监理有限公司" in page  # the supervision party
    assert "张伟" in page  # its lead in office
    assert "周新民" in page  # the contractor's lead since the change
    assert "李国强" not in page
    assert "<h3>3号楼</h3>" in page
    assert "5层A轴柱" in page  # a location three levels down
    for kind in ("blocked_deliveries", "deliveries_waiting", "sign_offs", "documents", "overdue"):
        assert f'id="{kind}"' in page, kind
    assert "6层柱钢筋安装检验批（复验）：需要专业监理工程师、施工单位专业质量检查员签认" in page
    assert f'href="/projects/{desk["project"].pk}/defects/"' in page
    assert "1 个未结质量缺陷案件" in page
    # A read-only member gets links to read, no form to change anything.
    assert "<form" not in page.split('<main id="content"')[1]


def test_the_projects_list_counts_what_is_open_on_each_project(client, desk, charlie):
    client.force_login(desk["alice"])
    page = client.get("/projects/").content.decode()
    assert "1 个进场批次因检测不合格受阻" in page
    assert "2 个进场批次待验收" in page
    assert "1 个试样尚无检测报告" in page
    assert "2 份验收记录已报验或被退回" in page
    assert "1 个未结质量缺陷案件" in page
    client.force_login(charlie)
    page = client.get("/projects/").content.decode()
    assert desk["project"].name not in page
    assert "南京市玄武区某办公楼" in page


def test_the_defect_case_list_and_a_case_with_its_photos(client, desk, reggie):
    project, case = desk["project"], desk["case"]
    client.force_login(reggie)
    listing = client.get(f"/projects/{project.pk}/defects/").content.decode()
    assert f'href="/projects/{project.pk}/defects/{case.pk}/"' in listing
    assert "5层A轴柱出现竖向裂缝" in listing
    assert "处理中" in listing  # its state

    page = client.get(f"/projects/{project.pk}/defects/{case.pk}/").content.decode()
    thumbnail = f"/api/v1/projects/{project.pk}/photos/{desk['case_photo'].pk}/thumbnail/"
    assert f'src="{thumbnail}"' in page
    assert 'alt="裂缝"' in page
    assert f'href="/api/v1/projects/{project.pk}/defect-cases/{case.pk}/trace.pdf"' in page
    # The thumbnail opens for the same reader, from storage.
    assert client.get(thumbnail).status_code == 302


def test_the_case_page_says_when_it_has_no_photos(client, desk):
    case = defects.defect_case_open(
        project=desk["project"],
        unit_work=desk["unit_work"],
        location=desk["floor6"],
        discovered_on=datetime.date(2026, 3, 3),
        description="6层楼板渗水",
        category="waterproofing",
        trigger="serious_problem",
        actor=desk["alice"],
    )
    client.force_login(desk["alice"])
    page = client.get(f"/projects/{desk['project'].pk}/defects/{case.pk}/").content.decode()
    assert 'id="no-photos"' in page


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def more_cases(desk, count: int) -> None:
    for n in range(count):
        defects.defect_case_open(
            project=desk["project"],
            unit_work=desk["unit_work"],
            location=desk["floor5"],
            discovered_on=datetime.date(2026, 3, 3),
            description=f"裂缝 {n}",
            category="structure",
            trigger="other",
            actor=desk["alice"],
        )
        if n == 0:
            defects.defect_case_photo_add(
                case=desk["case"],
                fileobj=photo(f"more-{count}.jpg", gps=BEIJING),
                actor=desk["alice"],
            )


# Session, user and the layout's role line, then what each page reads (the projects list:
# its count for the pages, then one query for the cards; the cases list whether the user may
# open one; the case its holds and their ledger checks). The project page reads only the
# two oversight lists it shows, overdue lead changes and late plaques, and whether the user
# records on the project (the capture link): 32.
PAGE_QUERIES = {"project": 32, "projects": 6, "defects": 7, "case": 10}


def test_the_pages_take_the_same_queries_for_two_rows_as_for_five(client, desk):
    project, case = desk["project"], desk["case"]
    pages = {
        "project": f"/projects/{project.pk}/",
        "projects": "/projects/",
        "defects": f"/projects/{project.pk}/defects/",
        "case": f"/projects/{project.pk}/defects/{case.pk}/",
    }
    client.force_login(desk["alice"])
    more_of_everything(desk, 1)
    more_cases(desk, 1)
    two = {name: queries_of(client, url) for name, url in pages.items()}
    more_of_everything(desk, 3)
    more_cases(desk, 3)
    five = {name: queries_of(client, url) for name, url in pages.items()}
    assert two == five == PAGE_QUERIES


def test_the_projects_list_comes_a_page_at_a_time(
    client, admin, project, other_project, monkeypatch
):
    monkeypatch.setattr("work.views.PROJECTS_PER_PAGE", 1)
    client.force_login(admin)
    first = client.get("/projects/").content.decode()
    assert "第 1 页，共 2 页" in first
    assert 'href="?page=2"' in first
    second = client.get("/projects/?page=2").content.decode()
    assert 'rel="prev"' in second
    names = {project.name, other_project.name}
    assert sum(name in first for name in names) == 1
    assert sum(name in second for name in names) == 1
    assert client.get("/projects/?page=99").status_code == 200  # the last page
