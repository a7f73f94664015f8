import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings


@override_settings(LEDGER_SIGNING_KEY="-----BEGIN PRIVATE KEY-----\nnot a key\n")
def test_a_signing_key_that_cannot_be_read_stops_the_system_check():
    with pytest.raises(SystemCheckError, match="ledger.E001"):
        call_command("check")


def test_a_locally_generated_signing_key_is_flagged_before_deployment(settings, capsys):
    settings.LEDGER_KEY_IS_LOCAL = True
    call_command("check", "--deploy", "--tag", "security")
    assert "ledger.W001" in capsys.readouterr().err
