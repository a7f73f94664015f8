"""The plaque page through the Django client: who may see, freeze, print and install; bad
installations refused with the reason and nothing written; the completion acceptance's
sign-offs; the public page's 404 for an unknown code; constant queries."""

from __future__ import annotations

import datetime
import io

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone
from PIL import Image

from inspections import services as inspections
from jobs.engine import run_queued
from ledger.models import LedgerEntry
from projects import services as project_services
from responsibility import plaques
from responsibility.models import Plaque, PlaqueInstallation
from responsibility.plaque_views import plaques_context, plaques_to_install_context
from storage.models import StoredObject
from storage.selectors import object_read_bytes
from tests.conftest import PASSWORD
from tests.inspections import photos
from tests.responsibility.plaque_data import (
    completion_build,
    gates_open,
    qr_cells_for,
    qr_cells_in_pdf,
    unit_work_build,
)


@pytest.fixture
def unit_work(project, admin):
    return unit_work_build(project, admin)


@pytest.fixture
def signing(project, signers, admin, unit_work, monkeypatch):
    """Completion acceptance submitted; three of the five leads have signed."""
    gates_open(monkeypatch)
    return completion_build(project, signers, admin, [unit_work], signed=3, letters=False)


@pytest.fixture
def accepted(project, signers, admin, unit_work, monkeypatch):
    """Completion accepted: the plaque froze with it."""
    gates_open(monkeypatch)
    record = completion_build(project, signers, admin, [unit_work], letters=False)
    inspections.record_accept(record=record, actor=admin)
    return Plaque.objects.get(unit_work=unit_work)


def page_client(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.login(username=user.username, password=PASSWORD)
    return client


def url(unit_work, action=""):
    return f"/projects/{unit_work.project_id}/unit-works/{unit_work.pk}/plaque/{action}"


def jpeg(name="plaque.jpg", shade=120) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, shade, shade)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def installation(**changes) -> dict:
    data = {
        "installed_on": timezone.localdate().isoformat(),
        "position": "3号楼主入口东侧外墙，距地1.5米",
        "material": "304不锈钢",
        "installed_by": "浙江宏业建设集团有限公司 王师傅",
        "camera": jpeg(),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def written() -> tuple[int, int, int]:
    return (
        PlaqueInstallation.objects.count(),
        StoredObject.objects.count(),
        LedgerEntry.objects.count(),
    )


# --- Who may do what (one set-up per actor) ---

WRITER = {"page": 200, "freeze": 400, "pdf": 302, "install": 303}
READER = {"page": 200, "freeze": 403, "pdf": 302, "install": 403}
OUTSIDER = {"page": 404, "freeze": 404, "pdf": 404, "install": 404}
PERMISSIONS = {
    "alice": WRITER,  # site supervisor
    "leo": WRITER,  # the contractor's project lead
    "olga": READER,  # the owner's legal representative: reads
    "reggie": READER,  # regulator of the city: reads
    "charlie": OUTSIDER,  # member of another project
    "dan": OUTSIDER,  # regulator of another district
}


@pytest.mark.parametrize("actor", PERMISSIONS)
def test_each_actor_sees_freezes_prints_and_installs_only_as_the_table_says(
    actor, accepted, unit_work, request
):
    client = page_client(request.getfixturevalue(actor))
    expected = PERMISSIONS[actor]
    before = PlaqueInstallation.objects.count()

    got = {
        "page": client.get(url(unit_work)).status_code,
        "freeze": client.post(url(unit_work, "freeze/")).status_code,
        "pdf": client.get(url(unit_work, "print.pdf")).status_code,
        "install": client.post(url(unit_work, "installations/"), installation()).status_code,
    }

    assert got == expected
    installed = PlaqueInstallation.objects.count() - before
    assert installed == (1 if expected["install"] == 303 else 0)
    assert Plaque.objects.count() == 1


def test_a_visitor_is_sent_to_sign_in_and_nothing_is_written(accepted, unit_work):
    client = page_client(None)
    for response in (
        client.get(url(unit_work)),
        client.get(url(unit_work, "print.pdf")),
        client.post(url(unit_work, "installations/"), installation()),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    assert not PlaqueInstallation.objects.exists()


def test_readers_see_no_write_buttons(accepted, unit_work, olga, alice):
    page = page_client(olga).get(url(unit_work)).content.decode()
    assert 'id="installation-form"' not in page
    assert 'id="freeze"' not in page
    assert 'id="pdf-link"' in page

    page = page_client(alice).get(url(unit_work)).content.decode()
    assert 'id="installation-form"' in page
    assert 'capture="environment"' in page
    assert "multiple" in page


# --- Before completion: the preview and the five sign-offs ---


def test_before_completion_the_page_previews_the_plaque_and_lists_the_sign_offs(
    signing, unit_work, alice, signers
):
    response = page_client(alice).get(url(unit_work))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="preview"' in page
    assert "李国强" in page  # the contractor's lead, from the same content as the freeze
    assert "2076-10-30" in page  # responsibility ends: completion + 50 years
    assert 'id="freeze"' not in page  # refused until completion is accepted
    assert 'id="installation-form"' not in page
    lines = page.split('id="sign-offs"')[1].split("</ul>")[0]
    assert lines.count("Signed 20") == 3
    assert lines.count("Waiting") == 2
    assert "owner project lead" in lines


def test_each_waiting_lead_is_sent_to_the_record_page_to_sign(
    signing, project, unit_work, alice, signers
):
    record_url = f"/projects/{project.pk}/acceptance-records/{signing.pk}/"
    lines = plaques.completion_acceptance(user=alice, project=project)[1]
    assert lines[4].sign_off is None
    lead = lines[4].person.user  # in office, yet to sign

    page = page_client(lead).get(url(unit_work)).content.decode()
    assert f'href="{record_url}"' in page
    assert "Sign it" in page

    page = page_client(alice).get(url(unit_work)).content.decode()
    assert 'id="record-link"' in page
    assert "Sign it" not in page


def test_freezing_before_completion_is_refused_with_the_reason(signing, unit_work, alice):
    response = page_client(alice).post(url(unit_work, "freeze/"))

    assert response.status_code == 400
    assert "frozen at completion acceptance" in response.content.decode()
    assert not Plaque.objects.exists()


def test_installing_a_plaque_not_frozen_yet_is_refused_and_nothing_written(
    signing, unit_work, alice
):
    counts = written()

    response = page_client(alice).post(url(unit_work, "installations/"), installation())

    assert response.status_code == 400
    assert "has no plaque yet" in response.content.decode()
    assert written() == counts


def test_the_print_file_before_completion_says_why_there_is_none(signing, unit_work, alice):
    response = page_client(alice).get(url(unit_work, "print.pdf"), follow=True)

    assert response.redirect_chain[-1] == (url(unit_work), 302)
    assert "has no plaque yet" in response.content.decode()


def test_the_page_shows_when_no_completion_acceptance_exists(unit_work, alice):
    page = page_client(alice).get(url(unit_work)).content.decode()
    assert 'id="no-record"' in page


# --- At completion: freeze, print, install ---


def test_a_plaque_not_frozen_at_acceptance_is_frozen_from_the_page(
    project, signers, admin, unit_work, alice, monkeypatch
):
    # A project accepted without the automatic freeze (its hook off): the page offers it.
    monkeypatch.setattr(project_services, "STAGE_ENTERED", {})
    gates_open(monkeypatch)
    record = completion_build(project, signers, admin, [unit_work], letters=False)
    inspections.record_accept(record=record, actor=admin)
    client = page_client(alice)
    assert 'id="freeze"' in client.get(url(unit_work)).content.decode()

    response = client.post(url(unit_work, "freeze/"), follow=True)

    assert response.redirect_chain == [(url(unit_work), 303)]
    plaque = Plaque.objects.get(unit_work=unit_work)
    assert plaque.content == plaques.plaque_content(unit_work)
    assert LedgerEntry.objects.filter(
        record_type="responsibility.plaque", record_id=str(plaque.pk)
    ).exists()
    page = response.content.decode()
    assert 'id="frozen"' in page
    assert 'id="freeze"' not in page


def test_the_print_pdf_carries_the_qr_code_of_the_public_page(accepted, unit_work, leo):
    response = page_client(leo).get(url(unit_work, "print.pdf"))

    assert response.status_code == 302
    accepted.refresh_from_db()
    data = object_read_bytes(obj=accepted.pdf)
    assert data.startswith(b"%PDF")
    public_url = plaques.plaque_public_url(accepted)
    assert qr_cells_in_pdf(data) == qr_cells_for(public_url)
    assert qr_cells_in_pdf(data) != qr_cells_for(public_url + "x")


def test_an_installation_is_recorded_with_photos_from_camera_and_gallery(
    accepted, unit_work, alice, settings
):
    settings.PLAQUE_INSTALL_RULES = {}
    client = page_client(alice)

    response = client.post(
        url(unit_work, "installations/"),
        installation(photos=[jpeg("a.jpg", 10), jpeg("b.jpg", 20)], camera=jpeg("c.jpg", 30)),
        follow=True,
    )

    page = response.content.decode()
    assert response.redirect_chain == [(url(unit_work), 303)], page
    assert "The installation is recorded." in page
    assert "304不锈钢" in page
    assert 'id="on-time"' in page
    recorded = PlaqueInstallation.objects.get()
    assert recorded.recorded_by == alice
    assert recorded.photos.count() == 3
    assert page.count("photo-pending") == 3  # "preview coming": the job has not run yet
    assert run_queued() == 3
    assert client.get(url(unit_work)).content.decode().count("/thumbnail/") == 3


def test_a_plaque_not_installed_by_the_jurisdictions_day_shows_late(
    accepted, unit_work, olga, settings
):
    settings.PLAQUE_INSTALL_RULES = {"330100": 0}
    Plaque.objects.filter(pk=accepted.pk).update(
        frozen_at=accepted.frozen_at - datetime.timedelta(days=3)
    )
    due = timezone.localdate(accepted.frozen_at - datetime.timedelta(days=3))

    page = page_client(olga).get(url(unit_work)).content.decode()

    assert 'id="late"' in page
    assert f"installed by {due.isoformat()}" in page


# --- Bad installations: 400 with the reason, nothing written ---


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"installed_on": "2999-01-01"}, "cannot be in the future"),
        ({"installed_on": "2026-13-45"}, "Enter a valid date."),
        ({"camera": photos.named(b"%PDF-1.4 not a photo" * 10, "p.jpg")}, "not a JPEG image"),
        ({"camera": None}, "Add at least one photo"),
        ({"position": None, "material": ""}, "This field is required."),
        ({"position": "x" * 201}, "at most 200 characters"),
    ],
    ids=["future-date", "no-such-date", "disguised-photo", "no-photo", "missing", "too-long"],
)
def test_a_bad_installation_is_refused_with_its_reason_and_nothing_written(
    accepted, unit_work, alice, changes, message
):
    counts = written()

    response = page_client(alice).post(url(unit_work, "installations/"), installation(**changes))

    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'id="photos-again"' in page  # files are not kept: the page says to choose again
    assert written() == counts


# --- The public page ---


def test_an_unknown_plaque_code_gets_our_404_in_chinese_saying_whom_to_tell(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/p/nope/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "标牌" in page
    assert "质量监督" in page

    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/p/nope/").content.decode()
    assert "The archive does not know this plaque code." in english
    assert "construction quality supervision authority" in english


def test_other_404s_keep_the_generic_text(alice, project):
    page = page_client(alice).get("/projects/999999/unit-works/1/plaque/").content.decode()
    assert "does not say which" in page
    assert "plaque code" not in page


# --- Queries ---

# Session, user and the layout's role; access (regulator account, project, unit work,
# plaque, may-write); the completion record, its sign-offs, the leads in office; lateness
# (first installation); the installations, their photos and the photos' stored objects.
QUERIES = 15
PREVIEW_QUERIES = 14


@pytest.mark.parametrize("count", [2, 5])
def test_the_plaque_page_reads_in_a_constant_number_of_queries(
    accepted, unit_work, alice, count, django_assert_num_queries
):
    for day in range(count):
        plaques.plaque_install_record(
            plaque=accepted,
            installed_on=timezone.localdate() - datetime.timedelta(days=day),
            position=f"入口{day}",
            material="铜",
            installed_by="某",
            photos=[jpeg(shade=day * 10)],
            actor=alice,
        )
    run_queued()
    client = page_client(alice)

    with django_assert_num_queries(QUERIES):
        response = client.get(url(unit_work))

    assert response.content.decode().count("/thumbnail/") == count


def test_the_preview_reads_in_a_constant_number_of_queries(
    signing, unit_work, alice, django_assert_num_queries
):
    client = page_client(alice)
    with django_assert_num_queries(PREVIEW_QUERIES):
        client.get(url(unit_work))


def test_the_project_page_partial_shows_each_unit_works_plaque_state(
    accepted, project, unit_work, admin, alice, rf, settings
):
    settings.PLAQUE_INSTALL_RULES = {}
    unit_work_build(project, admin, name="4号楼")
    request = rf.get("/")
    request.user = alice

    html = render_to_string(
        "responsibility/partials/plaques.html", plaques_context(request, project), request=request
    )

    assert url(unit_work) in html
    assert "4号楼" in html
    assert "Install by" in html  # 3号楼: frozen, within the 30 days
    assert "Preview" in html  # 4号楼: no plaque yet


def test_the_project_pages_plaque_rows_read_in_one_query(
    accepted, project, admin, alice, django_assert_num_queries
):
    unit_work_build(project, admin, name="4号楼")
    with django_assert_num_queries(1):
        rows = plaques.plaque_overview(project=project)
    assert [(r.unit_work.name, bool(r.plaque)) for r in rows] == [("3号楼", True), ("4号楼", False)]


def test_my_work_lists_plaques_to_install_for_those_who_install_them(
    accepted, unit_work, alice, olga, reggie, rf, settings, django_assert_num_queries
):
    settings.PLAQUE_INSTALL_RULES = {"330100": "before"}
    Plaque.objects.filter(pk=accepted.pk).update(
        frozen_at=accepted.frozen_at - datetime.timedelta(days=2)
    )

    def my_work(user):
        request = rf.get("/")
        request.user = user
        return render_to_string(
            "responsibility/partials/plaques_to_install.html",
            plaques_to_install_context(request),
            request=request,
        )

    with django_assert_num_queries(1):
        plaques.plaques_to_install(user=alice)
    html = my_work(alice)
    assert url(unit_work) in html
    assert "Late: due" in html
    assert "plaques-to-install" not in my_work(olga)  # reads only
    assert "plaques-to-install" not in my_work(reggie)
    plaques.plaque_install_record(
        plaque=accepted,
        installed_on=timezone.localdate(),
        position="入口",
        material="铜",
        installed_by="某",
        photos=[jpeg()],
        actor=alice,
    )
    assert "plaques-to-install" not in my_work(alice)
