from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from ledger import signing


@register()
def signing_key_check(app_configs, **kwargs):
    try:
        signing.signing_key()
    except ImproperlyConfigured as exc:
        return [
            Error(
                f"Ledger checkpoints cannot be signed: {exc}",
                hint="Set LEDGER_SIGNING_KEY (or LEDGER_SIGNING_KEY_FILE) to an Ed25519"
                " private key in unencrypted PKCS#8 PEM, e.g. from"
                " `openssl genpkey -algorithm ed25519`.",
                id="ledger.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def signing_key_deploy_check(app_configs, **kwargs):
    if not getattr(settings, "LEDGER_KEY_IS_LOCAL", False):
        return []
    return [
        Warning(
            "Ledger checkpoints are signed with a key generated in the local data directory.",
            hint="Set LEDGER_SIGNING_KEY_FILE to a key kept and backed up outside the server:"
            " checkpoints signed with a lost key can no longer be told from forgeries.",
            id="ledger.W001",
        )
    ]
