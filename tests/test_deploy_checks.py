"""`manage.py check --deploy`: clean with the production settings the README lists, and loud
about every key or credential that is still the local default."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from projects.checks import pii_keys_deploy_check
from responsibility import signing
from storage import gateway
from storage.checks import local_credentials_check

ROOT = Path(__file__).resolve().parent.parent

# What an operator sets only for local use, or what the test session sets for itself.
LOCAL_ONLY = (
    "DEBUG",
    "BEHIND_TLS_PROXY",
    "SECRET_KEY",
    "PII_ENCRYPTION_KEYS",
    "PII_INDEX_KEY",
    "LEDGER_SIGNING_KEY",
    "ARCHIVE_SIGNING_CERT",
    "ARCHIVE_SIGNING_KEY",
    "SIGNING_TRUST_ROOTS",
    "TSA_URL",
    "TSA_TRUST_ROOTS",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
)


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    """`manage.py check --deploy` in a fresh process, whose settings read ``env``."""
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def base_env(var_dir: Path) -> dict[str, str]:
    """The session's environment (database, the real S3 server and its user) with nothing
    production-like set, and an empty data directory."""
    env = {k: v for k, v in os.environ.items() if k.removesuffix("_FILE") not in LOCAL_ONLY}
    env["LQA_VAR_DIR"] = str(var_dir)
    return env


def write_secret(directory: Path, name: str, value: str | bytes) -> str:
    path = directory / name
    path.write_bytes(value if isinstance(value, bytes) else value.encode())
    path.chmod(0o600)
    return str(path)


@pytest.fixture
def production_env(tmp_path, settings) -> dict[str, str]:
    """The README's production section, with every secret from a *_FILE path."""
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    # The archive's document-signing pair: made here the way the local pair is made.
    settings.VAR_DIR = secrets_dir
    cert, key = signing._local_pair()
    ledger_key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    env = base_env(tmp_path / "var")
    env.update(
        {
            "DEBUG": "0",
            "BEHIND_TLS_PROXY": "1",
            "ALLOWED_HOSTS": "archive.example.gov.cn",
            "CSRF_TRUSTED_ORIGINS": "https://archive.example.gov.cn",
            "SECRET_KEY_FILE": write_secret(secrets_dir, "secret_key", secrets.token_urlsafe(50)),
            "PII_ENCRYPTION_KEYS_FILE": write_secret(
                secrets_dir, "pii_keys", Fernet.generate_key()
            ),
            "PII_INDEX_KEY_FILE": write_secret(
                secrets_dir, "pii_index_key", base64.urlsafe_b64encode(secrets.token_bytes(32))
            ),
            "LEDGER_SIGNING_KEY_FILE": write_secret(secrets_dir, "ledger.pem", ledger_key),
            "ARCHIVE_SIGNING_CERT_FILE": write_secret(secrets_dir, "cert.pem", cert),
            "ARCHIVE_SIGNING_KEY_FILE": write_secret(secrets_dir, "key.pem", key),
            # PAdES B-LTA: a time-stamping authority and its root (not asked by the check).
            "TSA_URL": "https://tsa.example.gov.cn/tsr",
            "TSA_TRUST_ROOTS": write_secret(secrets_dir, "tsa-root.pem", cert),
        }
    )
    # The session's S3 user is not the local default one; its buckets exist.
    assert env["S3_SECRET_KEY"] != "lqa-local-secret"
    gateway.buckets_ensure()
    return env


def test_production_settings_pass_check_deploy_without_a_single_warning(production_env):
    result = check_deploy(production_env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert not (Path(production_env["LQA_VAR_DIR"]) / "keys").exists()


def test_behind_tls_without_hsts_or_the_redirect_check_deploy_says_so(production_env):
    production_env.update({"SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0"})
    result = check_deploy(production_env)

    assert result.returncode == 1
    assert "security.W004" in result.stderr
    assert "security.W008" in result.stderr


def test_local_defaults_are_each_named_by_check_deploy(tmp_path):
    env = base_env(tmp_path / "var")
    env.pop("S3_ACCESS_KEY")
    env.pop("S3_SECRET_KEY")
    result = check_deploy(env)

    assert result.returncode == 1
    for check_id in (
        "projects.W001",  # PII_ENCRYPTION_KEYS and PII_INDEX_KEY generated locally
        "storage.W001",  # the default S3 credentials
        "ledger.W001",
        "responsibility.W001",
        "responsibility.W002",  # no TSA_URL: PAdES B-B only
        "security.W004",
        "security.W008",
    ):
        assert check_id in result.stderr, result.stderr
    assert "PII_ENCRYPTION_KEYS, PII_INDEX_KEY" in result.stderr


def test_each_locally_generated_personal_data_key_is_named(settings):
    settings.PII_KEYS_ARE_LOCAL, settings.PII_INDEX_KEY_IS_LOCAL = False, True
    [warning] = pii_keys_deploy_check()
    assert warning.id == "projects.W001"
    assert "PII_INDEX_KEY" in warning.msg
    assert "PII_ENCRYPTION_KEYS" not in warning.msg
    assert "escrow" in warning.hint

    settings.PII_KEYS_ARE_LOCAL = settings.PII_INDEX_KEY_IS_LOCAL = False
    assert pii_keys_deploy_check() == []


def test_the_default_object_store_secret_is_warned_whatever_the_access_key(settings):
    settings.S3_ACCESS_KEY, settings.S3_SECRET_KEY = "archive", "lqa-local-secret"
    [warning] = local_credentials_check()
    assert warning.id == "storage.W001"
    assert "S3_SECRET_KEY" in warning.hint

    settings.S3_SECRET_KEY = "a-secret-of-our-own"
    assert local_credentials_check() == []
