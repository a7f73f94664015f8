"""A second, small S3 server that fills up, for the "object store's disk is full" tests.

Two ways to fill it: SeaweedFS's own limits (one volume per bucket of a few megabytes:
``-volume.max``, ``-master.volumeSizeLimitMB``), which any unprivileged CI can run; and a
real full file system, a small tmpfs the server's data lives on, where ``mount`` is
permitted (root here; skipped with the reason elsewhere). SeaweedFS answers both with
``500 InternalError``, which the app hears as the store being unavailable.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from storage import gateway
from storage.embedded import EmbeddedS3
from storage.errors import StorageUnavailable

FILLER_BYTES = 1024 * 1024


class SmallS3(EmbeddedS3):
    extra_flags: tuple[str, ...] = ()

    def command(self) -> list[str]:
        return [*super().command(), *self.extra_flags]


@contextlib.contextmanager
def small_s3(kind: str):
    """A started SmallS3 that fills after a few megabytes; stopped and removed after."""
    root = Path(tempfile.mkdtemp(prefix="lqa-full-"))
    mounted = False
    try:
        if kind == "tmpfs":
            if shutil.which("mount") is None:
                pytest.skip("no mount command: the tmpfs variant needs one")
            done = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(root)],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
            mounted = True
            flags: tuple[str, ...] = ()
        else:
            flags = ("-master.volumeSizeLimitMB=4", "-volume.max=2")
        server = SmallS3(data_dir=root / "s3", access_key="lqa-full", secret_key="lqa-full-secret")
        server.extra_flags = flags
        server.start()
        try:
            yield server
        finally:
            server.stop()
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(root)], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def fill(bucket: str, *, limit_mb: int = 64) -> int:
    """Put 1 MB objects of noise into ``bucket`` until the store refuses one; how many fit."""
    for n in range(limit_mb):
        data = os.urandom(FILLER_BYTES)
        try:
            gateway.put(
                bucket,
                f"filler/{n}",
                data=io.BytesIO(data),
                length=len(data),
                content_type="application/octet-stream",
            )
        except StorageUnavailable:
            # Then smaller pieces into what is left, so that no photo fits either.
            for size in (256 * 1024, 64 * 1024, 16 * 1024, 4 * 1024):
                for m in range(64):
                    piece = os.urandom(size)
                    try:
                        gateway.put(
                            bucket,
                            f"filler/{n}-{size}-{m}",
                            data=io.BytesIO(piece),
                            length=len(piece),
                            content_type="application/octet-stream",
                        )
                    except StorageUnavailable:
                        break
            return n
    raise AssertionError(f"the small store took {limit_mb} MB without filling up")
