"""System checks for the keys that protect personal data."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.utils.translation import gettext as _


@register(Tags.security, deploy=True)
def pii_keys_deploy_check(app_configs=None, **kwargs) -> list[Warning]:
    """Keys generated into the local data directory are lost with the server, and differ
    between app processes on different machines: each would encrypt with its own key."""
    local = [
        name
        for name, is_local in (
            ("PII_ENCRYPTION_KEYS", settings.PII_KEYS_ARE_LOCAL),
            ("PII_INDEX_KEY", settings.PII_INDEX_KEY_IS_LOCAL),
        )
        if is_local
    ]
    if not local:
        return []
    return [
        Warning(
            _(
                "Personal data is protected with keys generated in the local data directory:"
                " %(names)s."
            )
            % {"names": ", ".join(local)},
            hint=_(
                "Set PII_ENCRYPTION_KEYS_FILE and PII_INDEX_KEY_FILE to keys kept in escrow"
                " outside the server, the same on every app process: without them the"
                " encrypted ID and phone numbers can never be read again."
            ),
            id="projects.W001",
        )
    ]
