"""The defect trace: from a case to the work, material, people and pledges, with proofs."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import re
from decimal import Decimal

import pypdf
import pytest
from django.utils import timezone

from inspections import services as inspections
from ledger import merkle, offline, signing
from ledger.models import Checkpoint
from ledger.proofs import proof_cache
from ledger.services import checkpoint_create, checkpoint_verify
from materials import services as materials
from tests.responsibility.conftest import sign_all
from tests.responsibility.defect_data import WORK_DAY, cases_url, named, open_body
from tests.storage.samples import jpeg, pdf

pytestmark = pytest.mark.django_db


def open_case(api, project, site, **changes):
    response = api.post(cases_url(project), open_body(site, **changes), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def ledger_items(node):
    """Every ``ledger`` entry anywhere in the trace."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("ledger", "evidence_ledger") and value is not None:
                yield value
            else:
                yield from ledger_items(value)
    elif isinstance(node, list):
        for value in node:
            yield from ledger_items(value)


def files(node):
    if isinstance(node, dict):
        if "sha256" in node and "url" in node:
            yield node
        for value in node.values():
            yield from files(value)
    elif isinstance(node, list):
        for value in node:
            yield from files(value)


def test_the_trace_leads_from_the_location_to_the_work_material_and_people(api_as, project, site):
    case = open_case(api_as("alice"), project, site)
    trace = api_as("reggie").get(cases_url(project, case, "trace/")).json()

    assert [loc["name"] for loc in trace["location_path"]] == ["3号楼", "5层", "5层A轴柱"]
    titles = {r["title"]: r for r in trace["acceptance_records"]}
    assert set(titles) == {"3号楼单位工程", "主体结构分部", "钢筋分项", "5层柱钢筋安装检验批"}
    lot = titles["5层柱钢筋安装检验批"]
    assert lot["matched"]
    assert lot["state"] == "accepted"
    assert lot["accepted_at"]
    assert {(s["person"]["name"], s["capacity"]) for s in lot["sign_offs"]} == {
        ("赵丽", "supervising_engineer"),
        ("钱质检", "quality_inspector"),
    }
    assert lot["photos"][0]["original"]["sha256"] == site["photo"].original.sha256
    assert not titles["钢筋分项"]["matched"]  # there as the lot's parent

    [usage] = trace["material_usages"]
    assert usage["location"]["name"] == "5层A轴柱"
    assert usage["quantity"] == "120.000"  # exact, as recorded
    assert usage["acceptance_record"] == lot["id"]
    assert usage["batch"]["manufacturer"]["name"] == "远东电缆有限公司"
    assert usage["batch"]["batch_number"] == "B2503-017"
    assert usage["delivery"]["accepted_by"] == "赵丽"
    [sample] = usage["delivery"]["samples"]
    assert sample["witness"]["name"] == "赵丽"
    assert sample["testing_lab"]["name"] == "杭州市建筑工程质量检测中心"
    assert sample["report"]["report_number"] == "HZJC-2025-0417"
    assert sample["report"]["result"] == "pass"
    assert sample["report"]["file"]["sha256"] == site["report"].stored_object.sha256

    roles = {r["role"]: r for r in trace["roles"]}
    contractor = roles["contractor"]
    # The work was done in April 2025 under 李国强; the lead changed in June, and the lot was
    # accepted (in this test) today, under 周新民: both answer for it, each for their dates.
    first, second = contractor["leads_in_office"]
    assert first["person"]["name"] == "李国强"
    assert first["work_dates_in_office"]["first"] == "2025-04-10"
    assert first["work_dates_in_office"]["last"] == "2025-04-10"
    assert second["person"]["name"] == "周新民"
    assert second["work_dates_in_office"]["first"] == timezone.localdate().isoformat()
    assert [t["person"]["name"] for t in contractor["tenure_history"]] == ["李国强", "周新民"]
    assert contractor["tenure_history"][0]["end_reason"] == "工作调动"
    assert contractor["tenure_history"][0]["end_date"] == "2025-06-01"
    assert all(len(roles[r]["leads_in_office"]) == 1 for r in roles if r != "contractor")
    assert "*" in contractor["leads_in_office"][0]["person"]["id_number"]  # masked


def test_every_item_carries_an_inclusion_proof_against_the_one_signed_checkpoint(
    api_as, project, site
):
    case = open_case(api_as("alice"), project, site)
    trace = api_as("alice").get(cases_url(project, case, "trace/")).json()
    checkpoint = trace["checkpoint"]
    stored = Checkpoint.objects.get(tree_size=checkpoint["tree_size"])
    assert checkpoint_verify(stored)
    assert stored.root_hash == checkpoint["root_hash"]
    root = bytes.fromhex(checkpoint["root_hash"])
    items = list(ledger_items(trace))
    assert len(items) > 20
    for item in items:
        assert merkle.verify_inclusion(
            bytes.fromhex(item["leaf_hash"]),
            item["index"],
            checkpoint["tree_size"],
            [bytes.fromhex(h) for h in item["inclusion_proof"]],
            root,
        ), item
    assert trace["case"]["ledger"]["index"] < checkpoint["tree_size"]


def test_a_third_party_rebuilds_and_proves_every_item_from_the_json_alone(api_as, project, site):
    """Holding only the answer and the archive's public key: each item's content hashes to
    its entry's content hash, the entry's fields hash to its leaf, the leaf's proof leads to
    the root of the checkpoint, and the checkpoint is a note signed by the archive."""
    case = open_case(api_as("alice"), project, site)
    trace = json.loads(api_as("alice").get(cases_url(project, case, "trace/")).content)
    origin = trace["checkpoint"]["origin"]
    report = offline.Report()
    checkpoint = offline.check_checkpoint(
        trace["checkpoint"]["note"],
        [offline.TrustedKey(origin, signing.public_key_bytes())],
        origin,
        report,
    )
    assert checkpoint is not None, report.problems
    items = list(ledger_items(trace))
    assert len(items) > 20
    for item in items:
        leaf = item["leaf"]
        assert hashlib.sha256(item["content"].encode()).hexdigest() == leaf["hash"], item
        canonical = json.dumps(leaf, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        rebuilt = hashlib.sha256(b"\x00" + canonical.encode()).digest()
        assert rebuilt.hex() == item["leaf_hash"], item
        proof = [bytes.fromhex(h) for h in item["inclusion_proof"]]
        assert merkle.verify_inclusion(
            rebuilt, leaf["index"], checkpoint.size, proof, checkpoint.root
        ), item
    # The content is the record the item shows.
    content = json.loads(trace["case"]["ledger"]["content"])
    assert content["number"] == trace["case"]["number"]
    assert trace["case"]["ledger"]["leaf"]["type"] == "responsibility.defectcase"
    assert trace["case"]["ledger"]["leaf"]["id"] == str(trace["case"]["id"])


def test_a_changed_proof_does_not_verify(api_as, project, site):
    case = open_case(api_as("alice"), project, site)
    trace = api_as("alice").get(cases_url(project, case, "trace/")).json()
    item = trace["material_usages"][0]["ledger"]
    proof = [bytes.fromhex(h) for h in item["inclusion_proof"]]
    proof[0] = bytes(32)
    assert not merkle.verify_inclusion(
        bytes.fromhex(item["leaf_hash"]),
        item["index"],
        trace["checkpoint"]["tree_size"],
        proof,
        bytes.fromhex(trace["checkpoint"]["root_hash"]),
    )


def test_every_file_has_a_link_that_only_the_case_readers_can_follow(
    api_as, project, site, charlie, rita
):
    case = open_case(api_as("alice"), project, site)
    trace = api_as("olga").get(cases_url(project, case, "trace/")).json()
    links = list(files(trace))
    assert {f["sha256"] for f in links} >= {
        site["photo"].original.sha256,
        site["report"].stored_object.sha256,
    }
    for link in links:
        assert re.fullmatch(r"[0-9a-f]{64}", link["sha256"])
        followed = api_as("olga").get(link["url"])
        assert followed.status_code == 302
        assert followed["Location"].startswith("http")
        assert api_as("charlie").get(link["url"]).status_code == 404
        assert api_as("rita").get(link["url"]).status_code == 404


def test_a_file_outside_the_case_is_not_served_through_it(api_as, project, site, admin):
    case = open_case(api_as("alice"), project, site)
    from storage.services import object_store

    unrelated = object_store(fileobj=named(pdf("unrelated"), "x.pdf"), user=admin, archival=True)
    url = cases_url(project, case, f"files/{unrelated.pk}/")
    assert api_as("alice").get(url).status_code == 404


def test_the_trace_names_the_signed_letters_and_pledges_of_the_leads_in_office(
    api_as, project, site, signers
):
    sign_all(project, signers)
    case = open_case(api_as("alice"), project, site)
    trace = api_as("reggie").get(cases_url(project, case, "trace/")).json()
    documents = trace["letters_and_pledges"]
    signers_named = {d["signer"]["name"] for d in documents}
    assert {"王建国", "陈立新", "刘思远", "张伟"} <= signers_named
    in_office = {t["id"] for role in trace["roles"] for t in role["leads_in_office"]}
    assert {d["lead_tenure"] for d in documents} <= in_office
    assert {d["kind"] for d in documents} == {"letter", "pledge"}
    for document in documents:
        assert document["pdf"]["sha256"]
        assert document["pdf"]["legal_hold"]
        assert document["ledger"]["inclusion_proof"] is not None


def test_the_case_photos_are_ordinary_evidence_photos_in_the_trace(api_as, project, site):
    case = open_case(api_as("alice"), project, site)
    upload = named(jpeg(), "crack.jpg")
    response = api_as("alice").post(
        cases_url(project, case, "photos/"), {"file": upload, "caption": "裂缝"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["subject_type"] == "defectcase"
    trace = api_as("alice").get(cases_url(project, case, "trace/")).json()
    [photo] = trace["case"]["photos"]
    assert photo["caption"] == "裂缝"
    assert photo["original"]["legal_hold"]
    assert (
        api_as("olga")
        .post(
            cases_url(project, case, "photos/"),
            {"file": named(jpeg(), "b.jpg")},
            format="multipart",
        )
        .status_code
        == 403
    )


def test_a_case_photo_carries_its_exif_flags_and_download_links(api_as, project, site):
    from inspections.models import Photo
    from jobs.engine import run_queued
    from storage.models import StoredObject
    from tests.inspections import photos
    from tests.storage.samples import png_bomb

    case = open_case(api_as("alice"), project, site)
    content = photos.jpeg(size=(1200, 900), taken="2020:01:01 10:00:00")
    response = api_as("alice").post(
        cases_url(project, case, "photos/"),
        {"file": named(content, "crack.jpg")},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["width"], body["height"]) == (1200, 900)
    assert body["captured_at"] == "2020-01-01T10:00:00+08:00"
    assert body["flags"] == ["captured_far_from_date"]
    # The original is there at once; the preview and thumbnail once the preview job ran.
    original = body["downloads"]["original"]
    assert original == f"/api/v1/projects/{project.pk}/photos/{body['id']}/original/"
    assert api_as("alice").get(original).status_code == 302
    assert body["downloads"]["preview"] is None
    assert body["downloads"]["thumbnail"] is None
    for variant in ("preview", "thumbnail"):
        link = f"/api/v1/projects/{project.pk}/photos/{body['id']}/{variant}/"
        assert api_as("alice").get(link).status_code == 404
    run_queued()
    for variant in ("preview", "thumbnail"):
        link = f"/api/v1/projects/{project.pk}/photos/{body['id']}/{variant}/"
        assert api_as("alice").get(link).status_code == 302
    objects, photos_before = StoredObject.objects.count(), Photo.objects.count()
    refused = api_as("alice").post(
        cases_url(project, case, "photos/"),
        {"file": named(png_bomb(), "crack.png")},
        format="multipart",
    )
    assert refused.status_code == 400
    assert "million pixels" in str(refused.json())
    assert (StoredObject.objects.count(), Photo.objects.count()) == (objects, photos_before)


# The project and the case (access): 2; the trace's rows, one query per kind (two for the
# acceptance records: their ids, then their chains): 12; ledger entries and the checkpoint:
# 2; the batch of proofs (leaves, cached subtree hashes): 2; the witnesses' cosignatures of
# the checkpoint: 1; the audit event of the view and its ledger entry (savepoint, insert,
# head lock and append, release): 7.
TRACE_QUERIES = 26


def _trace_queries(api, url, django_assert_num_queries) -> int:
    api.get(url)  # warms: signs a checkpoint covering new entries, fills the proof cache
    proof_cache.clear()  # the proofs computed, as on a first trace after a checkpoint
    with django_assert_num_queries(TRACE_QUERIES) as queries:
        response = api.get(url)
    assert response.status_code == 200
    return len(queries), response.json()


def _grow(project, site, alice, leo, admin, *, usages: int):
    """More of everything the trace reads: usages, deliveries, samples, lots, photos."""
    for n in range(3):
        delivery = materials.delivery_create(
            project=project,
            batch=site["batch"],
            quantity=Decimal("500"),
            unit=site["delivery"].unit,
            delivered_on=datetime.date(2025, 4, 2),
            inspected_by=site["delivery"].inspected_by,
            actor=leo,
        )
        sample = materials.sample_create(
            delivery=delivery,
            seal_number=f"FY-10{n}",
            sampling_location="堆场",
            sampled_on=datetime.date(2025, 4, 2),
            sampler=site["delivery"].inspected_by,
            witness=alice.person,
            testing_lab=site["lab"],
            actor=leo,
        )
        materials.sample_report_add(
            sample=sample,
            report_number=f"HZJC-10{n}",
            result="pass",
            tested_on=datetime.date(2025, 4, 5),
            fileobj=named(pdf(f"report {n}"), "r.pdf"),
            actor=leo,
        )
        delivery = materials.delivery_accept(delivery=delivery, actor=alice)
        lot = inspections.record_create(
            project=project,
            unit_work=site["unit_work"],
            level="inspection_lot",
            parent=site["chain"]["sub_item"],
            title=f"5层梁钢筋检验批{n}",
            date=WORK_DAY,
            locations=[site["floor5"]],
            actor=admin,
        )
        inspections.photo_ingest(subject=lot, fileobj=named(jpeg(), f"p{n}.jpg"), actor=alice)
        for _ in range(usages // 3):
            materials.usage_create(
                delivery=delivery,
                location=site["column"],
                quantity=Decimal("1"),
                used_on=WORK_DAY,
                acceptance_record=lot,
                actor=leo,
            )


def test_the_trace_takes_the_same_number_of_queries_whatever_its_size(
    api_as, project, site, alice, leo, admin, django_assert_num_queries
):
    case = open_case(api_as("alice"), project, site, location=site["floor5"].pk)
    url = cases_url(project, case, "trace/")
    api = api_as("reggie")
    small, small_trace = _trace_queries(api, url, django_assert_num_queries)
    _grow(project, site, alice, leo, admin, usages=30)
    checkpoint_create()
    large, large_trace = _trace_queries(api, url, django_assert_num_queries)
    assert len(large_trace["material_usages"]) == 31
    assert len(large_trace["acceptance_records"]) == len(small_trace["acceptance_records"]) + 3
    assert large == small, (small, large)


def test_the_pdf_report_is_chinese_text_with_the_parties_and_proofs(api_as, project, site):
    case = open_case(api_as("alice"), project, site)
    trace = api_as("reggie").get(cases_url(project, case, "trace/")).json()
    response = api_as("reggie").get(cases_url(project, case, "trace.pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    squeezed = re.sub(r"\s+", "", text)
    for words in (
        "工程质量缺陷追溯报告",
        case["number"],
        "远东电缆有限公司",
        "杭州市建筑工程质量检测中心",
        "李国强",
        "周新民",
        "赵丽",
        "钱质检",
        "HZJC-2025-0417",
        trace["checkpoint"]["root_hash"],
    ):
        assert words in squeezed, words
    usage_ledger = trace["material_usages"][0]["ledger"]
    assert f"#{usage_ledger['index']}" in squeezed
    assert usage_ledger["inclusion_proof"][0] in squeezed
    links = [
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    ]
    assert any("/files/" in link for link in links)


def test_each_delivery_shows_the_batch_files_current_when_it_was_accepted(
    api_as, project, site, alice, leo, admin
):
    """The site's delivery was accepted before the batch had a certificate; three more are
    accepted under version 1; an operator's correction then makes version 2 current. The
    trace keeps both versions and says which one each acceptance relied on."""
    batch = site["batch"]
    first = materials.batch_file_add(
        batch=batch,
        kind="certificate_of_conformity",
        fileobj=named(pdf("Certificate, first issue"), "certificate.pdf"),
        actor=admin,
    )
    _grow(project, site, alice, leo, admin, usages=3)
    response = api_as("admin").post(
        f"/api/v1/batches/{batch.pk}/files/",
        {
            "document": "certificate_of_conformity",
            "file": named(pdf("Certificate, reissued"), "certificate.pdf"),
            "reason": "厂家重新出具合格证",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    second_sha = response.json()["files"][1]["sha256"]

    case = open_case(api_as("alice"), project, site)
    trace = api_as("reggie").get(cases_url(project, case, "trace/")).json()

    by_delivery = {u["delivery"]["id"]: u for u in trace["material_usages"]}
    assert len(by_delivery) == 4
    original = by_delivery.pop(site["delivery"].pk)
    assert original["delivery"]["batch_files_at_acceptance"]["certificate_of_conformity"] is None
    for usage in by_delivery.values():
        at_acceptance = usage["delivery"]["batch_files_at_acceptance"]
        certificate = at_acceptance["certificate_of_conformity"]
        assert certificate["version"] == 1
        assert not certificate["current"]
        assert certificate["file"]["sha256"] == first.stored_object.sha256
        assert certificate["ledger"]["index"] is not None
        assert at_acceptance["type_test_report"] is None
    batch_files = original["batch"]["files"]
    assert [(v["version"], v["current"]) for v in batch_files] == [(1, False), (2, True)]
    assert batch_files[1]["reason"] == "厂家重新出具合格证"
    assert original["batch"]["certificate_of_conformity"]["sha256"] == second_sha
    assert {first.stored_object.sha256, second_sha} <= {f["sha256"] for f in files(trace)}
    assert all(f["legal_hold"] for f in files(batch_files))

    pdf_text = api_as("reggie").get(cases_url(project, case, "trace.pdf"))
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf_text.content)).pages)
    squeezed = re.sub(r"\s+", "", text)
    assert "合格证第1版（验收时现行，已被更正）" in squeezed
    assert "合格证第2版（现行，更正原因：厂家重新出具合格证）" in squeezed
