from responsibility.checks import (
    archive_signing_deploy_check,
    archive_signing_pair_check,
    long_term_signing_check,
    long_term_signing_deploy_check,
)


def test_a_certificate_without_its_key_is_an_error(settings):
    settings.ARCHIVE_SIGNING_CERT = "-----BEGIN CERTIFICATE-----"
    settings.ARCHIVE_SIGNING_KEY = ""
    assert [e.id for e in archive_signing_pair_check(None)] == ["responsibility.E001"]


def test_neither_or_both_is_fine(settings):
    settings.ARCHIVE_SIGNING_CERT = settings.ARCHIVE_SIGNING_KEY = ""
    assert archive_signing_pair_check(None) == []


def test_a_deployment_on_the_local_self_signed_pair_is_warned(settings):
    settings.ARCHIVE_SIGNING_CERT = ""
    assert [w.id for w in archive_signing_deploy_check(None)] == ["responsibility.W001"]


def test_without_a_tsa_the_deployment_is_warned_it_signs_b_b_only(settings):
    settings.TSA_URL = ""
    assert [w.id for w in long_term_signing_deploy_check(None)] == ["responsibility.W002"]


def test_a_tsa_without_a_trust_root_or_an_unreadable_root_is_an_error(settings, tmp_path):
    settings.TSA_URL = "https://tsa.example.gov.cn/tsr"
    settings.TSA_TRUST_ROOTS = settings.SIGNING_TRUST_ROOTS = []
    assert [e.id for e in long_term_signing_check(None)] == ["responsibility.E002"]
    settings.TSA_TRUST_ROOTS = [str(tmp_path / "missing.pem")]
    assert [e.id for e in long_term_signing_check(None)] == ["responsibility.E003"]


def test_signing_under_the_demo_pki_is_warned(settings, demo_pki):
    settings.ARCHIVE_SIGNING_CERT = demo_pki.path("archive-cert.pem").read_text()
    settings.TSA_URL = demo_pki.tsa_url
    assert [w.id for w in long_term_signing_deploy_check(None)] == ["responsibility.W003"]
