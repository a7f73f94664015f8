"""The signing page, through the Django test client (the browser test is test_browser.py)."""

from projects.models import Role
from responsibility.models import ResponsibilityDocument
from tests.conftest import PASSWORD
from tests.responsibility.conftest import client_for, prepare


def draft(project, signers, role=Role.CONTRACTOR):
    api = client_for(signers[role]["lead"])
    return prepare(api, project, role.value, "pledge").json()


def test_the_signing_page_shows_the_exact_text_in_chinese_by_default(project, signers, client):
    document = draft(project, signers)
    client.force_login(signers[Role.CONTRACTOR]["lead"])

    page = client.get(f"/sign/{document['id']}/").content.decode()

    assert document["text"].split("\n")[0] in page
    assert "签署" in page
    assert 'name="password"' in page
    assert f'<a href="/projects/{project.pk}/">{project.name}</a>' in page  # breadcrumbs


def test_signing_on_the_page_needs_the_password_and_consent(project, signers, client):
    document = draft(project, signers)
    client.force_login(signers[Role.CONTRACTOR]["lead"])
    url = f"/sign/{document['id']}/"

    wrong = client.post(url, {"password": "nope", "consent": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 400
    assert "That password is not correct." in wrong.content.decode()
    no_consent = client.post(url, {"password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert no_consent.status_code == 400
    assert "Tick the consent box" in no_consent.content.decode()
    bad_signature = client.post(
        url, {"password": PASSWORD, "consent": "on", "signature": "data:text/html,<b>"}
    )
    assert bad_signature.status_code == 400
    assert ResponsibilityDocument.objects.get(pk=document["id"]).status == "draft"

    signed = client.post(url, {"password": PASSWORD, "consent": "on"})
    assert signed.status_code == 302
    assert ResponsibilityDocument.objects.get(pk=document["id"]).status == "signed"
    assert client.get(url + "pdf/").status_code == 302


def test_someone_else_cannot_sign_on_the_page(project, signers, client, charlie):
    document = draft(project, signers)
    client.force_login(signers[Role.SUPERVISOR]["lead"])
    url = f"/sign/{document['id']}/"

    assert 'name="password"' not in client.get(url).content.decode()
    refused = client.post(url, {"password": PASSWORD, "consent": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert "Only 李国强 can sign" in refused.content.decode()

    client.force_login(charlie)
    hidden = client.get(url)
    assert hidden.status_code == 404
    assert "<h1>未找到</h1>" in hidden.content.decode()
    assert client.get("/sign/999999/").status_code == 404
