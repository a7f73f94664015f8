from responsibility.checks import archive_signing_deploy_check, archive_signing_pair_check


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
