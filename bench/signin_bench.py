"""What signing in safely costs an API request, and a sign-in, on PostgreSQL.

Run: ``cd /work/main && .venv/bin/python bench/signin_bench.py [requests]``

Starts its own throwaway PostgreSQL (tests.servers.ThrowawayPostgres), migrates, makes a
site supervisor with a project, then measures in-process through Django's full middleware
stack (CSP, sessions, django-axes, the API's authentication):

(a) ``GET /api/v1/projects/`` with an expiring API token (django-rest-knox: the token is
    hashed and looked up on every request), and with a browser session; reference: the
    same request with the user attached by the test client (no authentication at all).
    No goal: the figure says what the token's lookup (one indexed query, as a session's)
    adds to a light request.
(b) ``POST /api/v1/auth/token/`` with the right password (django-axes checks the lockout
    before and records the success after); reference: the password check alone
    (``check_password`` with the same hasher). Goal: at most 1.5x the reference.

The password hasher is the production one (PBKDF2), as a real sign-in pays it.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PASSWORD = "bench-password-2026"
ROUNDS = 5


def configure(tmp: Path, database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["LQA_VAR_DIR"] = str(tmp / "var")
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("FAST_PASSWORD_HASHER", None)
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    logging.getLogger("axes").setLevel(logging.WARNING)  # one line per sign-in otherwise

    call_command("migrate", verbosity=0)


def setup_actor():
    from django.contrib.auth import get_user_model

    from projects import services
    from projects.models import Membership

    admin = get_user_model().objects.create_user("bench-admin", password=PASSWORD, is_staff=True)
    user = get_user_model().objects.create_user("bench-supervisor", password=PASSWORD)
    project = services.project_create(
        name="杭州市滨江区某住宅小区3号楼", jurisdiction_code="330108", actor=admin
    )
    services.membership_create(
        user=user, project=project, role=Membership.Role.SITE_SUPERVISOR, actor=admin
    )
    return user


def per_request_ms(client, count: int, request) -> float:
    began = time.perf_counter()
    for _ in range(count):
        response = request(client)
        assert response.status_code in (200, 201), response.content[:200]
    return (time.perf_counter() - began) * 1000 / count


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    from tests.servers import ThrowawayPostgres

    tmp = Path(tempfile.mkdtemp(prefix="lqa-signin-bench-"))
    postgres = ThrowawayPostgres()
    try:
        configure(tmp, postgres.start())
        from django.contrib.auth.hashers import check_password
        from rest_framework.test import APIClient

        user = setup_actor()
        token = (
            APIClient()
            .post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
            .json()["token"]
        )
        bare = APIClient()
        bare.force_authenticate(user)
        with_token = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
        with_session = APIClient()
        assert with_session.login(username=user.username, password=PASSWORD)

        def listing(client):
            return client.get("/api/v1/projects/")

        def sign_in(client):
            return client.post(
                "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}
            )

        encoded = type(user).objects.get(pk=user.pk).password

        def password_only() -> float:
            began = time.perf_counter()
            for _ in range(count // 10):
                assert check_password(PASSWORD, encoded)
            return (time.perf_counter() - began) * 1000 / (count // 10)

        per_request_ms(with_token, 20, listing)  # warm caches and connections
        rows = {"reference": [], "token": [], "session": [], "sign_in": [], "password": []}
        for _ in range(ROUNDS):  # interleaved, so a noisy moment hits every line alike
            rows["reference"].append(per_request_ms(bare, count, listing))
            rows["token"].append(per_request_ms(with_token, count, listing))
            rows["session"].append(per_request_ms(with_session, count, listing))
            rows["sign_in"].append(per_request_ms(APIClient(), count // 10, sign_in))
            rows["password"].append(password_only())
    finally:
        postgres.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    m = {name: statistics.median(values) for name, values in rows.items()}
    print()
    print(f"Sign-in benchmark — PostgreSQL (throwaway), {os.cpu_count()} CPU cores,")
    print(f"{count} requests x {ROUNDS} interleaved rounds, medians")
    print("-" * 72)
    print("(a) GET /api/v1/projects/ as a site supervisor")
    print(f"    user attached, no auth (reference) {m['reference']:8.2f} ms")
    print(f"    expiring API token (knox)          {m['token']:8.2f} ms")
    print(f"    browser session                    {m['session']:8.2f} ms")
    print(f"    ratio token / reference            {m['token'] / m['reference']:8.2f}")
    print(f"    ratio session / reference          {m['session'] / m['reference']:8.2f}")
    print("(b) POST /api/v1/auth/token/ with the right password")
    print(f"    password check alone (reference)   {m['password']:8.2f} ms")
    print(f"    whole sign-in (axes, knox)         {m['sign_in']:8.2f} ms")
    print(
        f"    ratio sign-in / password check     {m['sign_in'] / m['password']:8.2f}  (goal <= 1.5)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
