import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from jobs.engine import run_queued
from ledger.canonical import record_hash, record_type
from ledger.models import LedgerEntry
from projects import services
from projects.models import Person, Project, Role, UnitWork
from responsibility.models import Plaque, PlaqueInstallation, PlaqueInstallationPhoto
from storage.models import StoredObject
from storage.selectors import object_read_bytes
from tests.conftest import lead_of
from tests.inspections import photos
from tests.responsibility.conftest import sign_all
from tests.storage.samples import png_bomb


@pytest.fixture
def unit_work(project, admin):
    return services.unit_work_create(
        project=project,
        name="3号楼",
        structure_type=UnitWork.StructureType.SHEAR_WALL,
        floors_above=18,
        gross_area=Decimal("12036.50"),
        design_service_life_years=50,
        start_date=datetime.date(2025, 4, 18),
        completion_date=datetime.date(2026, 10, 30),
        actor=admin,
    )


@pytest.fixture
def accepted(project, signers, unit_work, admin):
    sign_all(project, signers)
    for stage in ("under_supervision", "under_construction", "completion_accepted"):
        services.project_stage_advance(project=project, to_stage=stage, actor=admin)
    return Plaque.objects.get(unit_work=unit_work)


def plaque_url(project, unit_work):
    return f"/api/v1/projects/{project.pk}/unit-works/{unit_work.pk}/plaque/"


def test_freezing_a_plaque_before_completion_acceptance_is_refused(project, unit_work, api_as):
    response = api_as("alice").post(plaque_url(project, unit_work) + "freeze/")

    assert response.status_code == 400
    assert "frozen at completion acceptance" in str(response.json())
    assert not Plaque.objects.exists()


def test_completion_acceptance_freezes_the_plaque(accepted, project, unit_work, admin, api_as):
    lead_of(project, Role.CONTRACTOR)
    services.unit_work_update(unit_work=unit_work, name="改名后的3号楼", actor=admin)

    body = api_as("reggie").get(plaque_url(project, unit_work)).json()

    assert body["content"]["unit_work"] == "3号楼"
    assert body["content"]["responsibility_ends"] == "2076-10-30"
    assert {
        "role": "contractor",
        "role_name": "施工单位",
        "organization": "浙江宏业建设集团有限公司",
        "lead": "李国强",
    } in body["content"]["units"]
    assert body["width_mm"] == 750
    again = api_as("alice").post(plaque_url(project, unit_work) + "freeze/")
    assert again.status_code == 400
    assert "does not change" in str(again.json())


def test_the_plaque_pdf_is_750_by_500_mm(accepted, project, unit_work, api_as):
    response = api_as("alice").get(plaque_url(project, unit_work) + "pdf/")

    assert response.status_code == 302
    accepted.refresh_from_db()
    data = object_read_bytes(obj=accepted.pdf)
    assert data.startswith(b"%PDF")
    assert b"/MediaBox [ 0 0 2125.984 1417.323 ]" in data


def test_the_print_file_is_made_when_frozen_so_a_regulators_download_writes_nothing(
    accepted, project, unit_work, api_as, reggie
):
    assert accepted.pdf_id is not None
    # One entry: the frozen record, print file included.
    [freeze] = LedgerEntry.objects.filter(
        record_type=record_type(accepted), record_id=str(accepted.pk)
    )
    assert freeze.content_hash == record_hash(accepted)
    stored, entries = StoredObject.objects.count(), LedgerEntry.objects.count()

    api = api_as("reggie").get(plaque_url(project, unit_work) + "pdf/")
    page = Client()
    page.force_login(reggie)
    download = page.get(f"/projects/{project.pk}/unit-works/{unit_work.pk}/plaque/print.pdf")

    assert api.status_code == 302
    assert download.status_code == 302
    assert StoredObject.objects.count() == stored
    assert LedgerEntry.objects.count() == entries


def test_a_plaque_frozen_before_print_files_gets_one_from_the_operators_command(
    accepted, project, unit_work, api_as
):
    from django.core.management import call_command

    Plaque.objects.filter(pk=accepted.pk).update(pdf=None)  # as frozen by an older release
    entries = LedgerEntry.objects.count()

    refused = api_as("reggie").get(plaque_url(project, unit_work) + "pdf/")
    assert refused.status_code == 400
    assert "plaque_print_files" in str(refused.json())
    assert LedgerEntry.objects.count() == entries  # a read still writes nothing

    out = io.StringIO()
    call_command("plaque_print_files", stdout=out)
    assert "print files made: 1" in out.getvalue()
    accepted.refresh_from_db()
    assert object_read_bytes(obj=accepted.pdf).startswith(b"%PDF")
    assert api_as("reggie").get(plaque_url(project, unit_work) + "pdf/").status_code == 302


def test_the_public_page_shows_names_and_verification_without_login(accepted, project):
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/p/{accepted.token}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "李国强" in page
    assert "浙江宏业建设集团有限公司" in page
    assert "2076-10-30" in page
    assert "verify against the ledger" in page
    assert "NOT" not in page
    assert "138" not in page  # no phone numbers
    assert "****" not in page  # no (even masked) ID numbers


def test_the_public_page_says_when_the_records_do_not_verify(accepted, project):
    Project.objects.filter(pk=project.pk).update(name="篡改后的名称")

    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/p/{accepted.token}/").content.decode()

    assert "do NOT verify" in page


def test_an_unknown_token_is_not_found(db):
    assert Client().get("/p/nope/").status_code == 404


def photo():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 120, 120)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "plaque.jpg"
    return buffer


def test_installation_is_recorded_with_photos_and_lateness(
    accepted, project, unit_work, api_as, settings
):
    settings.PLAQUE_INSTALL_RULES = {"330100": "before"}
    today = timezone.localdate().isoformat()

    response = api_as("alice").post(
        plaque_url(project, unit_work) + "installations/",
        {
            "installed_on": today,
            "position": "3号楼主入口东侧外墙，距地1.5米",
            "material": "304不锈钢",
            "installed_by": "浙江宏业建设集团有限公司 王师傅",
            "photos": [photo()],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["installations"][0]["material"] == "304不锈钢"
    assert len(body["installations"][0]["photos"]) == 1
    assert body["install_due"] == timezone.localdate(accepted.frozen_at).isoformat()
    settings.PLAQUE_INSTALL_RULES = {}
    assert api_as("alice").get(plaque_url(project, unit_work)).json()["late"] is False


def test_an_installation_photo_gets_a_preview_a_thumbnail_its_exif_and_flags(
    accepted, project, unit_work, api_as, settings
):
    today = timezone.localdate()
    on_the_day = photos.jpeg(size=(1200, 900), taken=today.strftime("%Y:%m:%d 10:00:00"))
    # Far from the site (Nanjing) and long before the installation: both flagged.
    elsewhere = photos.jpeg(taken="2020:01:01 10:00:00", gps=(32.06, 118.79))

    response = api_as("alice").post(
        plaque_url(project, unit_work) + "installations/",
        {
            "installed_on": today.isoformat(),
            "position": "3号楼主入口东侧外墙",
            "material": "304不锈钢",
            "installed_by": "王师傅",
            "photos": [photos.named(on_the_day, "day.jpg"), photos.named(elsewhere, "far.jpg")],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.content
    first, second = response.json()["installations"][0]["photos"]
    assert (first["width"], first["height"]) == (1200, 900)
    assert first["captured_at"].startswith(today.isoformat())
    assert first["camera_model"] == "Mate 60 Pro"
    assert first["flags"] == []
    assert second["flags"] == ["captured_far_from_date", "taken_far_from_site"]
    assert second["distance_from_site_m"] > 200_000
    assert first["downloads"]["thumbnail"] is None  # made by the preview job, after the answer
    assert run_queued() == 2
    first = api_as("alice").get(plaque_url(project, unit_work)).json()["installations"][0]
    first = first["photos"][0]
    photo = PlaqueInstallationPhoto.objects.get(pk=first["id"])
    entry = LedgerEntry.objects.filter(
        record_type="responsibility.plaqueinstallationphoto", record_id=str(photo.pk)
    ).latest("index")
    assert entry.content_hash == record_hash(photo)
    assert object_read_bytes(obj=photo.stored_object) == on_the_day
    preview = Image.open(io.BytesIO(object_read_bytes(obj=photo.preview)))
    assert max(preview.size) == settings.PHOTO_PREVIEW_PIXELS
    assert len(preview.getexif()) == 0
    assert not photo.thumbnail.is_archival
    for variant in ("original", "preview", "thumbnail"):
        link = first["downloads"][variant]
        assert link.endswith(f"/plaque/photos/{photo.pk}/{variant}/")
        assert api_as("reggie").get(link).status_code == 302
    assert api_as("charlie").get(first["downloads"]["original"]).status_code == 404
    unknown = first["downloads"]["original"].replace("/original/", "/installation/")
    assert api_as("reggie").get(unknown).status_code == 404


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (png_bomb(), "plaque.png", "million pixels"),
        (b"%PDF-1.4 not a photo at all" * 10, "plaque.jpg", "not a JPEG image"),
    ],
    ids=["decompression-bomb", "disguised"],
)
def test_an_installation_with_a_file_that_is_not_a_good_photo_is_refused_and_nothing_stored(
    accepted, project, unit_work, api_as, content, name, message
):
    client = api_as("alice")
    objects, entries = StoredObject.objects.count(), LedgerEntry.objects.count()

    response = client.post(
        plaque_url(project, unit_work) + "installations/",
        {
            "installed_on": timezone.localdate().isoformat(),
            "position": "入口",
            "material": "铜",
            "installed_by": "某",
            "photos": [photos.named(content, name)],
        },
        format="multipart",
    )

    assert response.status_code == 400, response.content
    assert message in str(response.json())
    assert not PlaqueInstallation.objects.exists()
    assert StoredObject.objects.count() == objects
    assert LedgerEntry.objects.count() == entries


def test_a_plaque_not_installed_in_time_is_late(accepted, project, unit_work, api_as, settings):
    settings.PLAQUE_INSTALL_RULES = {"330000": 0}
    Plaque.objects.filter(pk=accepted.pk).update(
        frozen_at=accepted.frozen_at - datetime.timedelta(days=3)
    )

    body = api_as("olga").get(plaque_url(project, unit_work)).json()

    assert body["late"] is True
    assert body["installations"] == []


def test_an_installation_without_photos_is_refused(accepted, project, unit_work, api_as):
    response = api_as("alice").post(
        plaque_url(project, unit_work) + "installations/",
        {"installed_on": "2026-11-01", "position": "入口", "material": "铜", "installed_by": "某"},
        format="multipart",
    )
    assert response.status_code == 400
    assert "photo" in str(response.json())


def test_outsiders_and_regulators_cannot_freeze_or_install(accepted, project, unit_work, api_as):
    assert api_as("charlie").get(plaque_url(project, unit_work)).status_code == 404
    assert api_as("reggie").post(plaque_url(project, unit_work) + "freeze/").status_code == 403


def test_the_public_page_proves_the_records_against_the_signed_checkpoint(accepted, project):
    from ledger.services import checkpoint_create

    checkpoint = checkpoint_create()
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/p/{accepted.token}/").content.decode()

    assert f"checkpoint of {checkpoint.tree_size} entries" in page
    assert "are proven, by Merkle inclusion proofs" in page
    assert "changed after that checkpoint" not in page


def test_anyone_can_check_the_plaques_proof_with_a_standard_verifier(accepted, project):
    import base64
    import hashlib
    import json

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from ledger import merkle, signing
    from ledger.services import checkpoint_create

    checkpoint_create()
    body = Client().get(f"/p/{accepted.token}/proof.json").json()

    def canonical(data):
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    assert hashlib.sha256(canonical(body["plaque"])).hexdigest() == body["entry"]["hash"]
    leaf = hashlib.sha256(b"\x00" + canonical(body["entry"])).digest()
    assert leaf.hex() == body["leaf_hash"]
    note = body["checkpoint"]["note"]
    size, root = int(note.split("\n")[1]), base64.b64decode(note.split("\n")[2])
    proof = [bytes.fromhex(node) for node in body["inclusion_proof"]]
    assert merkle.verify_inclusion(leaf, body["entry"]["index"], size, proof, root)
    # The signature over the note body, checked with the archive key obtained from the archive.
    body_text, _sep, signature_line = note.rpartition("\n\u2014 ")
    stamp = base64.b64decode(signature_line.split(" ")[1])
    Ed25519PublicKey.from_public_bytes(signing.public_key_bytes()).verify(
        stamp[4:], body_text.encode()
    )  # raises InvalidSignature if the note was not signed by the archive key


def test_records_changed_after_the_checkpoint_are_said_to_await_the_next_one(
    accepted, project, admin
):
    from ledger.services import checkpoint_create

    checkpoint_create()
    services.project_update(project=project, address="杭州市西湖区文三路 90 号", actor=admin)

    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/p/{accepted.token}/").content.decode()

    assert "verify against the ledger" in page
    assert "1 record changed after that checkpoint" in page


def test_a_checkpoint_not_signed_by_the_archive_key_fails_the_public_check(accepted, project):
    from ledger.models import Checkpoint
    from ledger.services import checkpoint_create

    checkpoint = checkpoint_create()
    Checkpoint.objects.filter(pk=checkpoint.pk).update(signature="00" * 64)

    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/p/{accepted.token}/").content.decode()

    assert "do NOT verify" in page


def test_the_public_page_says_what_it_checks_and_checks_the_people_it_names(accepted, project):
    from ledger.services import checkpoint_create

    checkpoint_create()
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/p/{accepted.token}/").content.decode()
    proof = Client().get(f"/p/{accepted.token}/proof.json").json()["verified"]

    assert "What this check covers" in page
    assert "the project leads, whose names the plaque shows: 5" in page
    assert "the organizations taking part, whose names the plaque shows: 5" in page
    assert "Not checked here: the files themselves" in page
    assert proof["ok"] is True
    assert proof["records_checked"]["people"]["count"] == 5
    assert proof["records_checked"]["organizations"]["count"] == 5
    assert proof["records_checked"]["plaques"]["count"] == 1
    assert proof["mismatched"] == 0
    assert "not_checked" in proof

    # A lead's own record changed behind the ledger's back: the page no longer says verified.
    Person.objects.filter(pk=lead_of(project, Role.CONTRACTOR).person_id).update(name="李某")
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/p/{accepted.token}/").content.decode()
    assert "do NOT verify" in page
