"""The request mix of bench/load_bench.py, for locust (run by it; not on its own).

Reads the seeded ids from the JSON file named by LOAD_CONFIG and writes, when the run ends,
every write the archive acknowledged (2xx) and every server error to LOAD_RESULTS, so that
load_bench.py can look each acknowledged write up afterwards.

Two kinds of simulated user, spread round-robin over the app processes (``hosts``):

- ``SiteUser`` — the site's daily work, weighted: a contractor records deliveries and
  usages; a supervisor opens an inspection lot, uploads photos to it, submits it, signs it,
  the contractor's quality inspector signs it, the supervisor accepts it; a regulator reads
  a defect case's trace, a recall notice's hits and exports a finished project's package.
- ``Signer`` — a lead each (``signer_users`` of them, at most the five leads): corrects the
  lead's pledge and signs the correction (a PAdES-signed PDF each time), the document
  signing of the issue.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import threading

from locust import HttpUser, between, events, task

CONFIG = json.loads(open(os.environ["LOAD_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
PASSWORD = CONFIG["password"]
_host_cycle = itertools.cycle(CONFIG["hosts"])
_signers = list(CONFIG["signers"].items())
_lock = threading.Lock()
ACKNOWLEDGED: dict[str, list[int]] = {}
SERVER_ERRORS: list[dict] = []


def acknowledged(kind: str, pk: int) -> None:
    ACKNOWLEDGED.setdefault(kind, []).append(pk)


def _jpeg(seed: int) -> bytes:
    """A small real JPEG (the archive decodes every photo), different for every upload."""
    from PIL import Image

    image = Image.new("RGB", (640, 480), ((seed * 37) % 256, (seed * 11) % 256, seed % 256))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue() + f"upload-{seed}".encode()


_upload_seq = itertools.count(1)


class ArchiveUser(HttpUser):
    abstract = True
    wait_time = between(0.05, 0.3)

    def on_start(self):
        self.client.base_url = next(_host_cycle)
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> dict:
        if username not in self.tokens:
            response = self.client.post(
                "/api/v1/auth/token/",
                json={"username": username, "password": PASSWORD},
                name="sign_in",
            )
            response.raise_for_status()
            self.tokens[username] = response.json()["token"]
        return {"Authorization": f"Token {self.tokens[username]}", "Accept-Language": "en"}

    def call(self, method: str, path: str, name: str, *, as_user: str, ok=(200, 201), **kw):
        """One request; anything but ``ok`` is a failure, a 5xx also a server error."""
        with self.client.request(
            method, path, name=name, headers=self.token(as_user), catch_response=True, **kw
        ) as response:
            if response.status_code >= 500:
                with _lock:
                    SERVER_ERRORS.append(
                        {"name": name, "status": response.status_code, "path": path}
                    )
            if response.status_code in ok:
                response.success()
                return response
            response.failure(f"{response.status_code}: {response.text[:300]}")
            return None


_site_users = itertools.count()


class SiteUser(ArchiveUser):
    """Goes round the site's work in a fixed order (usages most often, exports least), each
    user starting at another place in it, so that even a short run makes every kind of
    request, concurrently."""

    project = CONFIG["project"]
    ROUND = [
        "usage",
        "delivery",
        "inspection_lot",
        "trace",
        "usage",
        "recall",
        "export",
        "usage",
        "delivery",
        "inspection_lot",
        "trace",
        "recall",
        "usage",
        "healthz",
    ]

    def on_start(self):
        super().on_start()
        start = next(_site_users) * 5
        self.round = itertools.islice(itertools.cycle(self.ROUND), start % len(self.ROUND), None)

    @task
    def next_in_round(self):
        getattr(self, next(self.round))()

    def usage(self):
        response = self.call(
            "POST",
            f"/api/v1/projects/{self.project}/usages/",
            "usage_create",
            as_user="contractor",
            json={
                "delivery": CONFIG["delivery"],
                "location": CONFIG["floor"],
                "quantity": "0.01",
                "used_on": "2025-10-20",
            },
        )
        if response is not None:
            acknowledged("usage", response.json()["id"])

    def delivery(self):
        response = self.call(
            "POST",
            f"/api/v1/projects/{self.project}/deliveries/",
            "delivery_create",
            as_user="contractor",
            json={
                "batch": CONFIG["batch"],
                "quantity": "100",
                "unit": "m",
                "delivered_on": "2025-10-15",
                "inspected_by": CONFIG["inspected_by"],
            },
        )
        if response is not None:
            acknowledged("delivery", response.json()["id"])

    def inspection_lot(self):
        """Open a lot, two photos, submit, both sign-offs, accept: each step a request."""
        base = f"/api/v1/projects/{self.project}/acceptance-records/"
        response = self.call(
            "POST",
            base,
            "lot_create",
            as_user="supervisor",
            json={
                "level": "inspection_lot",
                "unit_work": CONFIG["unit_work"],
                "parent": CONFIG["sub_item"],
                "title": "负载测试检验批",
                "date": "2025-10-20",
                "result": "主控项目全部合格",
                "locations": [CONFIG["floor"]],
            },
        )
        if response is None:
            return
        record = response.json()["id"]
        acknowledged("record", record)
        for _ in range(2):
            seq = next(_upload_seq)
            response = self.call(
                "POST",
                f"{base}{record}/photos/",
                "photo_upload",
                as_user="supervisor",
                files={"files": (f"IMG_{seq:05d}.jpg", _jpeg(seq), "image/jpeg")},
                data={"caption": "钢筋绑扎"},
            )
            if response is not None:
                for result in response.json()["results"]:
                    if result["status"] == "accepted":
                        acknowledged("photo", result["photo"]["id"])
        if self.call("POST", f"{base}{record}/submit/", "lot_submit", as_user="supervisor"):
            for signer in ("supervisor", "inspector"):
                self.call(
                    "POST",
                    f"{base}{record}/sign/",
                    "signoff",
                    as_user=signer,
                    json={"password": PASSWORD},
                )
            if self.call("POST", f"{base}{record}/accept/", "lot_accept", as_user="supervisor"):
                acknowledged("accepted_record", record)

    def trace(self):
        self.call(
            "GET",
            f"/api/v1/projects/{self.project}/defect-cases/{CONFIG['defect_case']}/trace/",
            "trace_read",
            as_user="regulator",
        )

    def recall(self):
        self.call(
            "GET",
            f"/api/v1/defect-notices/{CONFIG['defect_notice']}/hits/",
            "recall_read",
            as_user="regulator",
        )

    def export(self):
        self.call(
            "GET",
            f"/api/v1/projects/{CONFIG['completed_project']}/archive-package/",
            "export",
            as_user="regulator",
        )

    def healthz(self):
        self.client.get("/healthz", name="healthz")


class Signer(ArchiveUser):
    """A lead who corrects their pledge and signs the correction, again and again."""

    fixed_count = min(CONFIG["signer_users"], len(_signers))
    wait_time = between(0.5, 1.5)

    def on_start(self):
        super().on_start()
        with _lock:
            self.username, self.document = _signers.pop()
        self.project = CONFIG["project"]
        self.reauthenticated = False

    @task
    def sign(self):
        base = f"/api/v1/projects/{self.project}/responsibility-documents/"
        if not self.reauthenticated:  # the session remembers it for SIGNING_REAUTH_SECONDS
            self.reauthenticated = bool(
                self.call(
                    "POST",
                    "/api/v1/signing/reauthenticate/",
                    "reauthenticate",
                    as_user=self.username,
                    ok=(204,),
                    json={"password": PASSWORD},
                )
            )
        status = self.document["status"]
        if status == "signed":
            response = self.call(
                "POST",
                f"{base}{self.document['id']}/correct/",
                "document_correct",
                as_user=self.username,
                ok=(201,),
            )
            if response is None:
                return
            self.document = {"id": response.json()["id"], "status": "draft"}
        response = self.call(
            "POST",
            f"{base}{self.document['id']}/sign/",
            "document_sign",
            as_user=self.username,
            json={"consent": True},
        )
        if response is not None:
            acknowledged("signed_document", self.document["id"])
            self.document = {"id": self.document["id"], "status": "signed"}


@events.quitting.add_listener
def _write_results(environment, **kwargs):
    with open(os.environ["LOAD_RESULTS"], "w", encoding="utf-8") as out:
        json.dump({"acknowledged": ACKNOWLEDGED, "server_errors": SERVER_ERRORS}, out)
