"""Location labels through the Django test client: who may print the sheet, what the PDF
holds (one QR per location with its capture URL, the Chinese path, the project, the short
code; fonts embedded, the text inked), a floor's sheet, the typed short code and every bad
input answered with a 4xx that says what was wrong."""

from __future__ import annotations

import html
import io
import re

import pypdf
import pytest
from django.test import Client

from ledger.models import LedgerEntry
from projects import labels, services
from projects.models import UnitWork
from projects.selectors import locations_in_tree_order
from tests.pdf_checks import ink_under, pdf_fonts, pdf_text

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def projects_layer_gates_only():
    """Labels do not touch the gates."""


@pytest.fixture
def tree(project, admin):
    """3号楼 → 5层 (A区, B区) and 6层 (A区): five locations."""
    unit_work = services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type=UnitWork.StructureType.SHEAR_WALL,
        floors_above=18,
        gross_area="12500.00",
        design_service_life_years=50,
        actor=admin,
    )
    make = services.location_create
    building = make(unit_work=unit_work, kind="unit", name="3号楼", actor=admin)
    fifth = make(unit_work=unit_work, parent=building, kind="floor", name="5层", actor=admin)
    make(unit_work=unit_work, parent=fifth, kind="zone", name="A区", actor=admin)
    make(unit_work=unit_work, parent=fifth, kind="zone", name="B区", actor=admin)
    sixth = make(unit_work=unit_work, parent=building, kind="floor", name="6层", actor=admin)
    make(unit_work=unit_work, parent=sixth, kind="zone", name="A区", actor=admin)
    return unit_work


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sheet_url(unit_work, under=None) -> str:
    url = f"/projects/{unit_work.project_id}/setup/unit-works/{unit_work.pk}/locations/labels.pdf"
    return url + (f"?under={under}" if under is not None else "")


def test_the_sheet_has_one_label_per_location_with_its_capture_url_path_and_code(
    tree, alice, settings
):
    settings.PUBLIC_BASE_URL = "https://archive.example.cn"
    entries = LedgerEntry.objects.count()
    response = client_of(alice).get(sheet_url(tree), **ZH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="labels-{tree.pk}.pdf"'
    pdf = response.content
    text = pdf_text(pdf)
    locations = list(tree.locations.order_by("pk"))
    for location in locations:
        assert labels.label_code(location) in text
    assert "3号楼/5层/A区" in text
    assert "3号楼/6层/A区" in text
    assert "杭州市滨江区某住宅小区3号楼" in text
    # The QR codes are drawn as vector modules; the URLs they carry are what labels_for made.
    urls = [label.url for label in labels.labels_for(unit_work=tree)]
    assert urls == [
        f"https://archive.example.cn/projects/{tree.project_id}/locations/{loc.pk}/capture/"
        for loc in _tree_order(tree)
    ]
    # Every font embedded, and the Chinese path has ink on the page.
    assert all(font["emb"] == "yes" for font in pdf_fonts(pdf))
    assert all(ink_under(pdf, "楼层区").values())
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4
    # Printing writes nothing.
    assert LedgerEntry.objects.count() == entries


def _tree_order(unit_work):
    return [location for location, _depth in locations_in_tree_order(unit_work=unit_work)]


def test_a_floor_sheet_has_the_floor_and_its_zones_only(tree, alice):
    fifth = tree.locations.get(name="5层")
    response = client_of(alice).get(sheet_url(tree, fifth.pk), **ZH)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "3号楼/5层/A区" in text
    assert "3号楼/5层/B区" in text
    assert "6层" not in text
    inside = tree.locations.filter(pk=fifth.pk) | tree.locations.filter(parent=fifth)
    assert {label.location.pk for label in labels.labels_for(unit_work=tree, under=fifth)} == set(
        inside.values_list("pk", flat=True)
    )


def test_a_long_tree_runs_onto_more_a4_pages(tree, alice, admin):
    floor = tree.locations.get(name="6层")
    for n in range(10):
        services.location_create(
            unit_work=tree, parent=floor, kind="zone", name=f"{n + 2}号轴线区", actor=admin
        )
    response = client_of(alice).get(sheet_url(tree), **ZH)
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2  # 15 labels, 8 a page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("alice", 200),  # site supervisor
        ("leo", 200),  # project lead
        ("admin", 200),
        ("olga", 403),  # legal representative: sees the project, does not keep its records
        ("reggie", 403),  # regulator of the jurisdiction: read-only
        ("rita", 404),  # regulator elsewhere
        ("charlie", 404),  # member of another project
    ],
)
def test_who_may_print_the_labels(tree, actors, who, status):
    response = client_of(actors[who]).get(sheet_url(tree), **ZH)
    assert response.status_code == status
    if status == 403:
        body = html.unescape(response.content.decode())
        # Why, in whichever language the error page took.
        assert any(
            why in body
            for why in ("Only site supervisors", "只有现场监理", "read-only", "只有查看权限")
        )


def test_signed_out_people_are_sent_to_sign_in(tree):
    response = Client().get(sheet_url(tree))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_bad_sheet_requests_say_what_was_wrong(tree, alice, other_project, admin):
    client = client_of(alice)
    response = client.get(sheet_url(tree, "5层"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "must be the number of one of this unit work" in html.unescape(response.content.decode())
    elsewhere = services.unit_work_create(
        project=other_project,
        name="1号楼",
        structure_type="frame",
        floors_above=3,
        gross_area="900.00",
        design_service_life_years=50,
        actor=admin,
    )
    foreign = services.location_create(unit_work=elsewhere, kind="unit", name="1号楼", actor=admin)
    assert client.get(sheet_url(tree, foreign.pk)).status_code == 404
    empty = services.unit_work_create(
        project=tree.project,
        name="4号楼",
        structure_type="frame",
        floors_above=3,
        gross_area="900.00",
        design_service_life_years=50,
        actor=admin,
    )
    response = client.get(sheet_url(empty), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "4号楼 has no locations yet" in html.unescape(response.content.decode())


def test_a_name_no_font_can_print_refuses_the_sheet_saying_which_character(tree, alice, admin):
    floor = tree.locations.get(name="6层")
    services.location_create(
        unit_work=tree, parent=floor, kind="zone", name="B\ue000区", actor=admin
    )
    response = client_of(alice).get(sheet_url(tree), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "U+E000" in html.unescape(response.content.decode())


# --- The short code ---


def test_the_short_code_catches_a_mistyped_or_swapped_digit():
    assert labels.label_code_text(1234) == "1234-0"
    number = labels.location_id_from_code(labels.label_code_text(1234))
    assert number == 1234
    assert labels.location_id_from_code(" 1234 0 ") == 1234
    with pytest.raises(Exception, match="wrong last digit"):
        labels.location_id_from_code("1243-0")  # two digits swapped
    with pytest.raises(Exception, match="wrong last digit"):
        labels.location_id_from_code("1235-0")  # one mistyped
    with pytest.raises(Exception, match="is not a label code"):
        labels.location_id_from_code("A区")


def scan_url(project) -> str:
    return f"/projects/{project.pk}/scan/"


def test_a_typed_code_opens_the_capture_page_of_the_location(tree, alice):
    zone = tree.locations.get(name="B区")
    response = client_of(alice).get(scan_url(tree.project), {"code": labels.label_code(zone)})
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{tree.project_id}/locations/{zone.pk}/capture/"


def test_a_typed_code_of_another_projects_location_is_refused_on_the_page(
    tree, alice, other_project, admin
):
    elsewhere = services.unit_work_create(
        project=other_project,
        name="1号楼",
        structure_type="frame",
        floors_above=3,
        gross_area="900.00",
        design_service_life_years=50,
        actor=admin,
    )
    foreign = services.location_create(unit_work=elsewhere, kind="unit", name="1号楼", actor=admin)
    client = client_of(alice)
    for code in (labels.label_code(foreign), "99999-" + str(labels._damm("99999"))):
        response = client.get(scan_url(tree.project), {"code": code}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        body = html.unescape(response.content.decode())
        assert f"No location of {tree.project.name} has the code {code}" in body
    response = client.get(scan_url(tree.project), {"code": "12-9"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "wrong last digit" in html.unescape(response.content.decode())


def test_the_scan_page_is_the_projects_own(tree, alice, charlie, reggie):
    assert client_of(alice).get(scan_url(tree.project)).status_code == 200
    assert client_of(reggie).get(scan_url(tree.project)).status_code == 200
    zone = tree.locations.get(name="A区", parent__name="5层")
    # An outsider learns nothing, whether from the page or a code.
    outsider = client_of(charlie)
    assert outsider.get(scan_url(tree.project)).status_code == 404
    code = {"code": labels.label_code(zone)}
    assert outsider.get(scan_url(tree.project), code).status_code == 404


def test_the_scan_pages_may_compile_webassembly_and_nothing_else_more(tree, alice):
    client = client_of(alice)
    for scanning in (scan_url(tree.project), f"/projects/{tree.project_id}/deliveries/new/"):
        policy = client.get(scanning)["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", policy).group(1).split()
        assert sorted(script_src) == ["'self'", "'wasm-unsafe-eval'"], scanning
    other = client.get(f"/projects/{tree.project_id}/")["Content-Security-Policy"]
    assert re.search(r"script-src ([^;]*)", other).group(1).split() == ["'self'"]
