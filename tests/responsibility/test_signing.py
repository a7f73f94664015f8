import io

from projects.models import Role
from responsibility.models import ResponsibilityDocument
from tests.conftest import lead_of
from tests.responsibility.conftest import (
    client_for,
    documents_url,
    prepare,
    reauthenticate,
    sign,
    sign_as,
    signature_png,
)


def test_a_lead_signs_their_pledge_with_evidence_and_an_archive_signed_pdf(project, signers):
    api = client_for(signers[Role.CONTRACTOR]["lead"])
    draft = prepare(api, project, "contractor", "pledge").json()
    assert "李国强" in draft["text"]
    assert "注册建造师" in draft["text"]
    assert "杭州市滨江区某住宅小区3号楼" in draft["text"]
    assert draft["status"] == "draft"
    assert reauthenticate(api).status_code == 204

    response = sign(api, project, draft["id"], signature=signature_png())

    assert response.status_code == 200, response.json()
    signed = response.json()
    assert signed["status"] == "signed"
    assert signed["evidence"]["document_sha256"] == draft["text_sha256"]
    assert signed["evidence"]["user_agent"] == "pytest-phone/1.0"
    assert signed["evidence"]["ip_address"] == "127.0.0.1"
    assert "password re-entered" in signed["evidence"]["auth_method"]
    document = ResponsibilityDocument.objects.get(pk=draft["id"])
    assert document.pdf.is_archival
    assert document.pdf.content_type == "application/pdf"
    assert document.evidence.signature_image is not None
    # Stored until the end of the design service life, not just the archive default.
    assert document.pdf.retention_until.year >= 2075


def test_the_letter_is_signed_by_the_legal_representative(project, signers):
    letter = sign_as(signers[Role.OWNER]["rep"], project, "owner", "letter")
    assert letter["signer_name"] == "周秀英"
    assert "王建国" in letter["text"]


def test_a_lead_cannot_sign_someone_elses_pledge(project, signers):
    other = client_for(signers[Role.SUPERVISOR]["lead"])
    draft = prepare(other, project, "contractor", "pledge").json()
    assert reauthenticate(other).status_code == 204

    response = sign(other, project, draft["id"])

    assert response.status_code == 403
    assert "Only 李国强 can sign" in response.json()["detail"]
    assert ResponsibilityDocument.objects.get(pk=draft["id"]).status == "draft"


def test_an_outsider_cannot_see_or_sign(project, signers, charlie):
    draft = prepare(client_for(signers[Role.CONTRACTOR]["lead"]), project, "contractor", "pledge")
    outsider = client_for(charlie)
    assert outsider.get(documents_url(project)).status_code == 404
    assert reauthenticate(outsider).status_code == 204
    assert sign(outsider, project, draft.json()["id"]).status_code == 404
    assert prepare(outsider, project, "contractor", "pledge").status_code == 404


def test_signing_twice_is_refused(project, signers):
    user = signers[Role.CONTRACTOR]["lead"]
    signed = sign_as(user, project, "contractor", "pledge")
    api = client_for(user)
    reauthenticate(api)

    response = sign(api, project, signed["id"])

    assert response.status_code == 400
    assert "already signed" in str(response.json())
    again = prepare(api, project, "contractor", "pledge")
    assert again.status_code == 400
    assert "prepare a correction" in str(again.json())


def test_signing_without_fresh_authentication_is_refused(project, signers, settings):
    api = client_for(signers[Role.CONTRACTOR]["lead"])
    draft = prepare(api, project, "contractor", "pledge").json()

    response = sign(api, project, draft["id"])
    assert response.status_code == 400
    assert "Enter your password again" in str(response.json())

    assert reauthenticate(api, "wrong-password").status_code == 400
    assert sign(api, project, draft["id"]).status_code == 400

    settings.SIGNING_REAUTH_SECONDS = 0
    reauthenticate(api)
    assert sign(api, project, draft["id"]).status_code == 400
    assert ResponsibilityDocument.objects.get(pk=draft["id"]).status == "draft"


def test_signing_without_consent_is_refused(project, signers):
    api = client_for(signers[Role.CONTRACTOR]["lead"])
    draft = prepare(api, project, "contractor", "pledge").json()
    reauthenticate(api)

    response = sign(api, project, draft["id"], consent=False)

    assert response.status_code == 400
    assert "consent" in response.json()


def test_a_signature_that_is_not_an_image_is_refused(project, signers):
    api = client_for(signers[Role.CONTRACTOR]["lead"])
    draft = prepare(api, project, "contractor", "pledge").json()
    reauthenticate(api)
    fake = io.BytesIO(b"#!/bin/sh\necho not a png\n")
    fake.name = "signature.png"

    response = sign(api, project, draft["id"], signature=fake)

    assert response.status_code == 400
    assert ResponsibilityDocument.objects.get(pk=draft["id"]).status == "draft"


def test_a_huge_signature_image_is_refused(project, signers, settings):
    settings.SIGNATURE_IMAGE_MAX_BYTES = 2000
    api = client_for(signers[Role.CONTRACTOR]["lead"])
    draft = prepare(api, project, "contractor", "pledge").json()
    reauthenticate(api)
    big = io.BytesIO()
    from PIL import Image

    Image.effect_noise((400, 400), 80).save(big, format="PNG")
    big.seek(0)
    big.name = "signature.png"

    response = sign(api, project, draft["id"], signature=big)

    assert response.status_code == 400
    assert ResponsibilityDocument.objects.get(pk=draft["id"]).status == "draft"


def test_a_lead_without_the_required_qualification_cannot_be_named(project, signers, admin):
    from projects import services

    person = lead_of(project, Role.SUPERVISOR).person
    services.person_update(
        person=person,
        practice_qualification="registered_architect",
        reason="certificate re-checked",
        actor=admin,
    )
    api = client_for(signers[Role.SUPERVISOR]["rep"])

    response = prepare(api, project, "supervisor", "letter")

    assert response.status_code == 400
    assert "registered supervising engineer" in str(response.json())
    assert not ResponsibilityDocument.objects.exists()


def test_a_pledge_for_a_role_the_organization_does_not_hold_is_refused(project, signers):
    api = client_for(signers[Role.CONTRACTOR]["lead"])
    organization = project.participations.get(role="contractor").organization_id

    response = api.post(
        documents_url(project),
        {"role": "supervisor", "kind": "pledge", "organization": organization},
        format="json",
    )

    assert response.status_code == 400
    assert "does not take part in the project as supervision unit" in str(response.json())
    assert not ResponsibilityDocument.objects.exists()


def test_refusals_are_in_chinese_for_a_chinese_reader(project, signers):
    api = client_for(signers[Role.SUPERVISOR]["lead"])
    api.credentials(HTTP_ACCEPT_LANGUAGE="zh-hans")
    draft = prepare(api, project, "contractor", "pledge").json()

    response = sign(api, project, draft["id"])

    assert "只有李国强本人可以签署此文书" in response.json()["detail"]
