"""A DEMO public-key infrastructure on loopback: CA, OCSP responder, CRLs and an RFC 3161
time-stamping authority, served by certomancer (by pyHanko's author) from a config file.

For `make run` and the tests only. Its root is a demo trust anchor made on this machine:
nothing signed under it is trusted anywhere else, and production never uses it (it sets
TSA_URL and the archive's own certificate; see the README, "Trust model").

``DemoPki(directory)`` writes, once, RSA keys and a certomancer configuration into
``directory`` (RSA signatures are deterministic, so certomancer rebuilds byte-identical
certificates on every start) and exports PEM files for the settings:

- ``archive-cert.pem`` / ``archive-key.pem``: the archive's document-signing pair (with
  the OCSP and CRL addresses of this responder);
- ``revoked-cert.pem`` / ``revoked-key.pem``: a second signer the CA has revoked (tests);
- ``root.pem``: the demo root, the trust anchor of both the signer and the TSA (whose
  certificate is valid 10 years; ``tsa2``, its renewal, 20).

``start()`` serves it on 127.0.0.1 in a child process (``python -m
responsibility.demo_pki serve DIR``); ``stop()`` ends it. No Django here.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ARCH = "lqa-demo"
KEYS = ("root", "ocsp", "tsa", "tsa2", "archive", "revoked")
_CONFIG = """\
external-url-prefix: "http://127.0.0.1:{port}"
keysets:
  demo:
    path-prefix: keys
    keys:
{keys}
pki-architectures:
  {arch}:
    keyset: demo
    entity-defaults:
      country-name: CN
      organization-name: "Lifetime Quality Archive DEMO PKI - not for production"
    entities:
      root:
        common-name: "LQA DEMO root - not a trust anchor outside this machine"
      ocsp:
        common-name: "LQA DEMO OCSP responder"
      tsa:
        common-name: "LQA DEMO time-stamping authority"
      archive:
        common-name: "Lifetime Quality Archive (DEMO signing certificate)"
      revoked:
        common-name: "Revoked DEMO signer"
    certs:
      root:
        subject: root
        issuer: root
        validity: {{valid-from: "{start}", valid-to: "{root_end}"}}
        extensions:
          - {{id: basic_constraints, critical: true, value: {{ca: true}}}}
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, key_cert_sign, crl_sign]}}
      ocsp:
        issuer: root
        validity: {{valid-from: "{start}", valid-to: "{root_end}"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - {{id: extended_key_usage, critical: true, value: [ocsp_signing]}}
          - id: ocsp_no_check
      tsa:
        issuer: root
        validity: {{valid-from: "{start}", valid-to: "{tsa_end}"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - {{id: extended_key_usage, critical: true, value: [time_stamping]}}
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
      tsa2:
        template: tsa
        subject: tsa
        subject-key: tsa2
        validity: {{valid-from: "{start}", valid-to: "{tsa2_end}"}}
      archive:
        issuer: root
        validity: {{valid-from: "{start}", valid-to: "{signer_end}"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature, non_repudiation]}}
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
          - id: authority_information_access
            smart-value:
              schema: aia-urls
              params: {{ocsp-responder-names: [root], ca-issuer-links: [{{repo: root}}]}}
      revoked:
        template: archive
        subject: revoked
        subject-key: revoked
        revocation: {{revoked-since: "{revoked}", reason: key_compromise}}
    services:
      ocsp:
        root: {{for-issuer: root, responder-cert: ocsp, signing-key: ocsp}}
      crl-repo:
        root: {{for-issuer: root, signing-key: root, simulated-update-schedule: "P7D"}}
      cert-repo:
        root: {{for-issuer: root, publish-issued-certs: yes}}
      time-stamping:
        tsa: {{signing-key: tsa, signing-cert: tsa}}
        tsa2: {{signing-key: tsa2, signing-cert: tsa2}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DemoPki:
    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.dir = Path(directory)
        self.process: subprocess.Popen | None = None
        state = self.dir / "state.json"
        if state.exists():  # the certificates name this port: it is kept for good
            self.port = json.loads(state.read_text())["port"]
        else:
            self.port = port or free_port()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ARCH}"

    @property
    def tsa_url(self) -> str:
        """The TSA, its certificate valid for 10 years."""
        return f"{self.base}/tsa/tsa"

    @property
    def renewed_tsa_url(self) -> str:
        """The same TSA with a renewed certificate (valid for 20 years): what a
        timestamp refresh moves to before the first certificate expires."""
        return f"{self.base}/tsa/tsa2"

    def path(self, name: str) -> Path:
        return self.dir / name

    def settings_env(self) -> dict[str, str]:
        """The environment that configures the archive to sign under this PKI."""
        return {
            "ARCHIVE_SIGNING_CERT_FILE": str(self.path("archive-cert.pem")),
            "ARCHIVE_SIGNING_KEY_FILE": str(self.path("archive-key.pem")),
            "SIGNING_TRUST_ROOTS": str(self.path("root.pem")),
            "TSA_URL": self.tsa_url,
            "TSA_TRUST_ROOTS": str(self.path("root.pem")),
        }

    def prepare(self) -> None:
        if (self.dir / "state.json").exists():
            return
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        keys = self.dir / "keys"
        keys.mkdir(parents=True, exist_ok=True)
        for name in KEYS:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            (keys / f"{name}.key.pem").write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)

        def stamp(moment: datetime.datetime) -> str:
            return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")

        (self.dir / "certomancer.yml").write_text(
            _CONFIG.format(
                port=self.port,
                arch=ARCH,
                keys="\n".join(f"      {n}: {{path: {n}.key.pem}}" for n in KEYS),
                start=stamp(now - datetime.timedelta(days=2)),
                root_end=stamp(now + datetime.timedelta(days=365 * 60)),
                tsa_end=stamp(now + datetime.timedelta(days=365 * 10)),
                tsa2_end=stamp(now + datetime.timedelta(days=365 * 20)),
                signer_end=stamp(now + datetime.timedelta(days=365 * 5)),
                revoked=stamp(now - datetime.timedelta(days=1)),
            )
        )
        self._export()
        (self.dir / "state.json").write_text(json.dumps({"port": self.port}))

    def _export(self) -> None:
        from certomancer.registry import CertomancerConfig

        arch = CertomancerConfig.from_file(
            str(self.dir / "certomancer.yml"), key_search_dir=str(self.dir)
        ).get_pki_arch(ARCH)

        def pem(kind: str, der: bytes) -> bytes:
            import base64
            import textwrap

            body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
            return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----\n".encode()

        self.path("root.pem").write_bytes(pem("CERTIFICATE", arch.get_cert("root").dump()))
        for label in ("archive", "revoked"):
            self.path(f"{label}-cert.pem").write_bytes(
                pem("CERTIFICATE", arch.get_cert(label).dump())
            )
            key = (self.dir / "keys" / f"{label}.key.pem").read_bytes()
            target = self.path(f"{label}-key.pem")
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(key)

    def start(self, timeout: float = 30.0) -> None:
        self.prepare()
        log = open(self.dir / "certomancer.log", "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            [sys.executable, "-m", "responsibility.demo_pki", "serve", str(self.dir)],
            cwd=Path(__file__).resolve().parent.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(  # noqa: S310 - our own loopback address
                    f"{self.base}/certs/root/ca.crt", timeout=2
                ) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"The demo PKI did not start; see {self.dir / 'certomancer.log'}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def serve(directory: Path) -> None:
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertomancerConfig
    from werkzeug.serving import make_server

    pki = DemoPki(directory)
    config = CertomancerConfig.from_file(
        str(pki.dir / "certomancer.yml"), key_search_dir=str(pki.dir)
    )
    app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    make_server("127.0.0.1", pki.port, app, threaded=True).serve_forever()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(Path(sys.argv[2]))
    else:
        sys.exit("usage: python -m responsibility.demo_pki serve DIRECTORY")
