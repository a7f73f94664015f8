"""Small typed readers for environment variables that fail loudly.

Every secret may also come from a file named by ``<NAME>_FILE`` (Docker and systemd
credentials). Where a secret has a safe local default it is generated once into the data
directory, so ``make run`` works on a fresh machine and keeps working across restarts.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path} cannot be read: {exc}") from exc
    value = os.environ.get(name)
    if value is not None:
        return value
    if default is None:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, local_file: Path, generate: Callable[[], str]) -> tuple[str, bool]:
    """A secret from the environment, or else from ``local_file``, made on first use.

    Returns the value and whether it came from the local fallback (a system check warns
    when a production deployment relies on it).
    """
    if os.environ.get(name) is not None or os.environ.get(f"{name}_FILE"):
        return env_str(name), False
    if local_file.exists():
        return local_file.read_text(encoding="utf-8").strip(), True
    local_file.parent.mkdir(parents=True, exist_ok=True)
    value = generate()
    # Written with 0600 before the value goes in: it is a private key.
    fd = os.open(local_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value, True
