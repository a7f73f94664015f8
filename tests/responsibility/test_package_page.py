"""The archive package page through Django's test client: the package API's access rule,
what the page says the package will hold (checked against an exported package), the
verifier to download, constant queries."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger import signing
from projects.models import AuditEvent
from tests.materials.test_pages import client_as


def test_the_package_page_follows_the_package_apis_rule(project, admin, alice, olga, reggie):
    rita = get_user_model().objects.create_user("rita-2")
    from projects import services

    services.regulator_account_create(
        user=rita, agency="江苏省建设工程质量监督总站", jurisdiction_code="320000", actor=admin
    )
    url = f"/projects/{project.pk}/package/"
    for user, status in [(admin, 200), (alice, 200), (olga, 200), (reggie, 200), (rita, 404)]:
        assert client_as(user).get(url).status_code == status, user.username
        verifier = client_as(user).get(url + "verify_package.py")
        assert verifier.status_code == status, user.username
        api = client_as(user).get(f"/api/v1/projects/{project.pk}/archive-package/")
        assert api.status_code == status, user.username
    assert client_as(None).get(url).status_code == 302
    assert (
        not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT_PACKAGE)
        .exclude(actor__username__in=["admin", "alice", "olga", "reggie"])
        .exists()
    )


def test_the_page_says_what_the_package_holds_and_how_to_check_it(tmp_path, project, site, reggie):
    client = client_as(reggie)
    page = client.get(f"/projects/{project.pk}/package/").content.decode()
    assert f'href="/api/v1/projects/{project.pk}/archive-package/"' in page
    assert signing.public_key_bytes().hex() in page
    assert "--trusted-key" in page
    response = client.get(f"/api/v1/projects/{project.pk}/archive-package/")
    path = tmp_path / "package.zip"
    path.write_bytes(b"".join(response.streaming_content))
    with zipfile.ZipFile(path) as bag:
        records = sum(
            len(bag.read(name).splitlines())
            for name in bag.namelist()
            if name.startswith("data/records/") and "storage.storedobject" not in name
        )
        files = [json.loads(line) for line in bag.read("data/files.jsonl").splitlines()]
    unique = {f["sha256"]: f["size"] for f in files}
    total = sum(unique.values())
    assert unique
    # The package also holds the audit event of its own export, recorded as it starts.
    assert f"<strong>{records - 1}</strong>" in page
    assert f"<strong>{len(unique)}</strong>" in page
    from django.template.defaultfilters import filesizeformat

    assert str(filesizeformat(total)).replace("\xa0", " ") in page.replace("&nbsp;", " ").replace(
        "\xa0", " "
    )
    verifier = client.get(f"/projects/{project.pk}/package/verify_package.py")
    assert verifier["Content-Disposition"] == 'attachment; filename="verify_package.py"'
    script = tmp_path / "verify_package.py"
    script.write_bytes(verifier.content)
    run = subprocess.run(
        [sys.executable, str(script), str(path), "--trusted-key", signing.public_key_bytes().hex()],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "intact" in run.stdout


def test_the_package_page_takes_as_many_queries_for_more_records(
    project, admin, alice, leo, quinn, reggie
):
    from tests.responsibility.conftest import site_build

    client = client_as(reggie)
    url = f"/projects/{project.pk}/package/"
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    site_build(project, admin, alice, leo, quinn)  # records, photos, reports, usages
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before)
