"""Every file the materials records keep can be fetched again, by the people who may see it:
certificates, label photos, test reports and recall evidence."""

import urllib.request

from materials import services
from tests.materials.conftest import deliver, label_photo, report_pdf, sample
from tests.materials.test_recall import issue


def fetched(response) -> bytes:
    assert response.status_code == 302, response.content
    assert response["Cache-Control"] == "no-store"
    with urllib.request.urlopen(response["Location"], timeout=10) as body:  # noqa: S310 - our S3
        return body.read()


def test_batch_certificates_are_downloadable_by_those_who_see_the_batch(api_as, cable_batch, admin):
    certificate = report_pdf()
    services.batch_file_add(
        batch=cable_batch, kind="certificate_of_conformity", fileobj=certificate, actor=admin
    )
    body = api_as("alice").get(f"/api/v1/batches/{cable_batch.pk}/").json()
    assert body["type_test_report_download"] is None
    url = body["certificate_of_conformity_download"]
    assert fetched(api_as("alice").get(url)) == certificate.getvalue()
    assert api_as("alice").get(url.replace("certificate_of", "nothing_of")).status_code == 404
    missing = f"/api/v1/batches/{cable_batch.pk}/files/type_test_report/"
    assert api_as("alice").get(missing).status_code == 404


def test_label_photos_are_listed_and_downloaded_but_not_by_outsiders(
    api_as, project, cable_batch, contractor_person, leo
):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    photo = label_photo()
    url = f"/api/v1/projects/{project.pk}/deliveries/{delivery.pk}/photos/"
    assert api_as("leo").post(url, {"photo_of": "label", "file": photo}).status_code == 201

    [listed] = api_as("reggie").get(url).json()["results"]
    assert fetched(api_as("reggie").get(listed["download"])) == photo.getvalue()
    assert api_as("charlie").get(url).status_code == 404
    assert api_as("charlie").get(listed["download"]).status_code == 404
    assert api_as("rita").get(listed["download"]).status_code == 404


def test_a_test_report_is_downloaded_from_its_sample(
    api_as, project, cable_batch, contractor_person, lab, leo
):
    delivery = deliver(project, cable_batch, contractor_person, leo)
    taken = sample(delivery, contractor_person, lab, leo, result=None)
    report = report_pdf()
    services.sample_report_add(
        sample=taken,
        report_number="HZJC-2025-0417",
        result="pass",
        tested_on=delivery.delivered_on,
        fileobj=report,
        actor=leo,
    )
    samples = f"/api/v1/projects/{project.pk}/deliveries/{delivery.pk}/samples/"
    [row] = api_as("olga").get(samples).json()["results"]
    response = api_as("olga").get(row["report"]["download"])
    assert fetched(response) == report.getvalue()
    assert "HZJC-2025-0417.pdf" in response["Location"]
    untested = sample(delivery, contractor_person, lab, leo, result=None)
    assert api_as("olga").get(f"{samples}{untested.pk}/report/").status_code == 404
    assert api_as("charlie").get(row["report"]["download"]).status_code == 404


def test_recall_evidence_is_downloadable_from_its_action(
    api_as, project, used_cable, cable_maker, alice
):
    notice = issue(api_as("reggie"), cable_maker).json()
    url = f"/api/v1/defect-notices/{notice['id']}/actions/"
    action = api_as("alice").post(url, {"project": project.pk, "measure": "stop_use"}).json()
    evidence = report_pdf()
    response = api_as("alice").post(
        f"{url}{action['id']}/evidence/", {"file": evidence}, format="multipart"
    )
    [item] = response.json()["evidence"]
    assert item["name"] == "report.pdf"
    assert fetched(api_as("reggie").get(item["download"])) == evidence.getvalue()
    assert api_as("charlie").get(item["download"]).status_code == 404
