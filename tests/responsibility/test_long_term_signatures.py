"""PAdES B-LTA against a real CA, OCSP responder and time-stamping authority (certomancer on
loopback, tests.servers.demo_pki): signed letters and pledges validate offline at B-LTA,
a revoked signer and an unreachable TSA are refused with nothing recorded, and the timestamp
refresh keeps the chain going.

The rest of the suite signs B-B (no TSA_URL), so only these tests pay the round trips."""

from __future__ import annotations

import asyncio
import datetime
import io
import os
import signal
import socket

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import REQUIRE_REVINFO, CertRevTrustPolicy
from pyhanko_certvalidator.registry import SimpleTrustManager

from ledger.models import LedgerEntry
from projects.models import Role
from responsibility import services, signing
from responsibility.models import ResponsibilityDocument
from storage.models import StoredObject
from storage.selectors import object_read_bytes
from tests.conftest import PASSWORD
from tests.responsibility.conftest import (
    client_for,
    prepare,
    reauthenticate,
    sign,
    sign_as,
    signature_png,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def long_term_signing(settings, demo_pki):
    """The archive configured as production is: its certificate from a CA with OCSP, a TSA."""
    settings.ARCHIVE_SIGNING_CERT = demo_pki.path("archive-cert.pem").read_text()
    settings.ARCHIVE_SIGNING_KEY = demo_pki.path("archive-key.pem").read_text()
    settings.SIGNING_TRUST_ROOTS = [str(demo_pki.path("root.pem"))]
    settings.TSA_URL = demo_pki.tsa_url
    settings.TSA_TRUST_ROOTS = [str(demo_pki.path("root.pem"))]
    settings.TSA_TIMEOUT_SECONDS = 3
    return demo_pki


def offline_lta_status(pdf: bytes, root_path: str) -> AdESStatus:
    """pyHanko's ETSI EN 319 102-1 long-term validation, with nothing fetched."""
    from pyhanko.keys import load_certs_from_pemder

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=SimpleTrustManager.build(
                    trust_roots=list(load_certs_from_pemder([root_path]))
                ),
                revinfo_policy=CertRevTrustPolicy(REQUIRE_REVINFO),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
            ),
        )
    )
    result = asyncio.run(ades_lta_validation(reader.embedded_regular_signatures[0], spec))
    return result.ades_subindic.status


def years_from_now(years: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=365 * years)


def written_counts():
    return (
        StoredObject.objects.count(),
        LedgerEntry.objects.count(),
        ResponsibilityDocument.objects.filter(status="signed").count(),
    )


def test_a_pledge_signed_b_lta_validates_offline_at_b_lta(
    project, signers, long_term_signing, monkeypatch
):
    signed = sign_as(signers[Role.CONTRACTOR]["lead"], project, "contractor", "pledge")

    document = ResponsibilityDocument.objects.select_related("pdf").get(pk=signed["id"])
    assert document.signature_level == "B-LTA"
    assert document.timestamp_expires_at.year >= 2035  # the demo TSA's certificate: 10 years
    pdf = object_read_bytes(obj=document.pdf)
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    assert len(reader.embedded_timestamp_signatures) == 1  # the document timestamp
    dss = DocumentSecurityStore.read_dss(reader)
    assert dss.ocsps, "the signer's OCSP answer is inside the PDF"
    assert dss.crls, "the TSA's CRL is inside the PDF"

    # A regulator's copy, years later: no network at all.
    with monkeypatch.context() as patched:
        patched.setattr(socket.socket, "connect", _refused)
        patched.setattr(socket, "create_connection", _refused)
        assert offline_lta_status(pdf, str(long_term_signing.path("root.pem"))) == (
            AdESStatus.PASSED
        )
        check = signing.pdf_signature_check(pdf)
        # Six years on, the signing certificate (5 years) has expired: the signature still
        # holds, proven by the timestamps and the material inside the PDF.
        later = signing.pdf_signature_check(pdf, moment=years_from_now(6))
    assert check.level == "B-LTA"
    assert check.intact
    assert check.trusted
    assert check.covers_whole_file
    assert later.level == "B-LTA"

    api = client_for(signers[Role.CONTRACTOR]["lead"])
    answer = api.post(
        "/api/v1/signed-pdfs/verify/",
        {"file": io.BytesIO(pdf)},
        format="multipart",
    ).json()
    assert answer["valid"] is True, answer
    assert answer["signature_level"] == "B-LTA"
    assert answer["document_timestamps"] == 1


def _refused(*args, **kwargs):
    raise OSError("network access is not allowed in this test")


def test_a_revoked_signing_certificate_is_refused_and_nothing_is_recorded(
    project, signers, long_term_signing, settings
):
    settings.ARCHIVE_SIGNING_CERT = long_term_signing.path("revoked-cert.pem").read_text()
    settings.ARCHIVE_SIGNING_KEY = long_term_signing.path("revoked-key.pem").read_text()
    api = client_for(signers[Role.CONTRACTOR]["lead"])
    draft = prepare(api, project, "contractor", "pledge").json()
    reauthenticate(api)
    before = written_counts()

    response = sign(api, project, draft["id"], signature=signature_png())

    assert response.status_code == 503, response.json()
    assert response.json()["code"] == "signing_unavailable"
    assert "has been revoked" in response.json()["detail"]
    assert "Retry-After" not in response  # waiting does not help: a new certificate does
    assert written_counts() == before
    assert ResponsibilityDocument.objects.get(pk=draft["id"]).status == "draft"


def test_a_timestamp_refresh_adds_a_second_document_timestamp(
    project, signers, long_term_signing, settings
):
    signed = sign_as(signers[Role.CONTRACTOR]["lead"], project, "contractor", "pledge")
    document = ResponsibilityDocument.objects.select_related("pdf").get(pk=signed["id"])
    old_pdf = document.pdf
    out = io.StringIO()

    # The TSA's certificate (10 years) expires within a 4000-day margin, and the same
    # certificate cannot extend the chain: refused, said once, nothing written.
    before = written_counts()
    with pytest.raises(CommandError):
        call_command("refresh_document_timestamps", "--margin-days", "4000", stdout=out)
    assert "Renew the TSA's certificate" in out.getvalue()
    assert written_counts() == before

    # The TSA renewed its certificate (20 years): the refresh goes through.
    # Without a refresh the chain lapses with the TSA's certificate (10 years).
    assert (
        signing.pdf_signature_check(object_read_bytes(obj=old_pdf), moment=years_from_now(12)).level
        is None
    )

    settings.TSA_URL = long_term_signing.renewed_tsa_url
    out = io.StringIO()
    call_command("refresh_document_timestamps", "--margin-days", "4000", stdout=out)
    assert "1 document(s) refreshed, 0 failed." in out.getvalue()

    document.refresh_from_db()
    assert document.pdf_id != old_pdf.pk
    assert StoredObject.objects.filter(pk=old_pdf.pk).exists()  # the old PDF stays as it was
    assert document.timestamp_expires_at.year >= 2045
    entry = LedgerEntry.objects.filter(
        record_type="responsibility.responsibilitydocument", record_id=str(document.pk)
    ).last()
    assert entry.action == "update"
    refreshed = object_read_bytes(obj=document.pdf)
    assert refreshed.startswith(object_read_bytes(obj=old_pdf))  # an incremental update
    reader = PdfFileReader(io.BytesIO(refreshed), strict=False)
    assert len(reader.embedded_timestamp_signatures) == 2
    assert offline_lta_status(refreshed, str(long_term_signing.path("root.pem"))) == (
        AdESStatus.PASSED
    )
    assert signing.pdf_signature_check(refreshed, moment=years_from_now(12)).level == "B-LTA"
    api = client_for(signers[Role.CONTRACTOR]["lead"])
    answer = api.post(
        "/api/v1/signed-pdfs/verify/", {"file": io.BytesIO(refreshed)}, format="multipart"
    ).json()
    assert answer["valid"] is True, answer
    assert answer["signature_level"] == "B-LTA"
    assert answer["document_timestamps"] == 2

    # Idempotent: nothing is due any more.
    out = io.StringIO()
    call_command("refresh_document_timestamps", "--margin-days", "4000", stdout=out)
    assert out.getvalue().startswith("0 document(s)")


def test_ctrl_c_stops_the_refresh_between_documents_and_a_rerun_continues(
    project, signers, settings, monkeypatch
):
    # B-B signatures (no TSA asked): the refresh itself is replaced by a stand-in that
    # records each document and presses Ctrl+C during the first.
    pledge = sign_as(signers[Role.CONTRACTOR]["lead"], project, "contractor", "pledge")
    letter = sign_as(signers[Role.CONTRACTOR]["rep"], project, "contractor", "letter")
    ResponsibilityDocument.objects.filter(pk__in=[pledge["id"], letter["id"]]).update(
        timestamp_expires_at=timezone.now() + datetime.timedelta(days=30)
    )
    settings.TSA_URL = "http://127.0.0.1:9/never-asked"
    refreshed = []

    def refresh(*, document, actor=None):
        refreshed.append(document.pk)
        ResponsibilityDocument.objects.filter(pk=document.pk).update(timestamp_expires_at=None)
        if len(refreshed) == 1:
            os.kill(os.getpid(), signal.SIGINT)
        return document

    monkeypatch.setattr(services, "document_timestamp_refresh", refresh)
    # Whatever the test process had (a pytest-xdist worker ignores SIGINT; a plain run has
    # Python's default), the command must leave it as it found it.
    handler_before = signal.getsignal(signal.SIGINT)
    if handler_before is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    handler_found = signal.getsignal(signal.SIGINT)
    out, err = io.StringIO(), io.StringIO()
    try:
        with pytest.raises(SystemExit) as stopped:
            call_command("refresh_document_timestamps", stdout=out, stderr=err)
    finally:
        handler_during = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, handler_before)

    assert stopped.value.code == 2
    assert len(refreshed) == 1
    assert "1/2 done, 1 refreshed, 0 failed" in err.getvalue()
    assert "documents/s" in err.getvalue()
    assert "run the command again to continue" in err.getvalue()

    out = io.StringIO()
    call_command("refresh_document_timestamps", stdout=out, stderr=io.StringIO())
    assert out.getvalue().startswith("1 document(s)")
    assert len(refreshed) == 2
    assert handler_during is handler_found  # the command restored the handler it found
    assert signal.getsignal(signal.SIGINT) is handler_before


def test_a_package_with_b_lta_pledges_verifies_offline(
    project, signers, long_term_signing, tmp_path
):
    sign_as(signers[Role.CONTRACTOR]["lead"], project, "contractor", "pledge")
    path = tmp_path / "package.zip"
    call_command("export_archive", str(project.pk), "-o", str(path), stderr=io.StringIO())
    out = io.StringIO()
    call_command("verify_package", str(path), stdout=out)  # CommandError when not clean
    assert "1 PDF signatures intact (1 document timestamps)" in out.getvalue()


def test_with_the_tsa_down_signing_is_refused_and_nothing_is_recorded(
    project, signers, long_term_signing, client
):
    lead = signers[Role.CONTRACTOR]["lead"]
    api = client_for(lead)
    pledge = prepare(api, project, "contractor", "pledge").json()
    letter = prepare(client_for(signers[Role.CONTRACTOR]["rep"]), project, "contractor", "letter")
    reauthenticate(api)
    before = written_counts()
    long_term_signing.stop()
    try:
        response = sign(api, project, pledge["id"], signature=signature_png())

        assert response.status_code == 503, response.json()
        assert "did not answer" in response.json()["detail"]
        assert response["Retry-After"] == "60"

        # The signing page says it in words, in Chinese by default.
        client.force_login(signers[Role.CONTRACTOR]["rep"])
        page = client.post(
            f"/sign/{letter.json()['id']}/",
            {"password": PASSWORD, "consent": "on"},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert page.status_code == 503
        assert "时间戳" in page.content.decode()
    finally:
        long_term_signing.start()
    assert written_counts() == before
    assert not ResponsibilityDocument.objects.filter(
        pk__in=[pledge["id"], letter.json()["id"]], status="signed"
    ).exists()


def test_the_daily_refresh_job_refreshes_what_is_due_and_logs_what_it_cannot(
    project, signers, long_term_signing, settings, caplog
):
    from django_tasks_db.models import DBTaskResult

    from jobs.engine import run_queued
    from responsibility.jobs import refresh_document_timestamps

    signed = sign_as(signers[Role.CONTRACTOR]["lead"], project, "contractor", "pledge")
    settings.TIMESTAMP_REFRESH_MARGIN_DAYS = 4000
    # The TSA's own certificate cannot extend the chain: said in the log, not retried.
    refresh_document_timestamps.enqueue()
    assert run_queued() == 1
    assert DBTaskResult.objects.get().return_value["refreshed"] == 0
    assert any(
        r.levelname == "ERROR" and "Renew the TSA's certificate" in r.getMessage()
        for r in caplog.records
    )

    settings.TSA_URL = long_term_signing.renewed_tsa_url
    refresh_document_timestamps.enqueue()
    assert run_queued() == 1
    result = DBTaskResult.objects.order_by("enqueued_at").last().return_value
    assert (result["due"], result["refreshed"], result["failed"]) == (1, 1, [])
    document = ResponsibilityDocument.objects.get(pk=signed["id"])
    assert document.timestamp_expires_at.year >= 2045
