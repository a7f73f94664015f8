"""Signing in: wrong passwords lock the account and the address (login page, API token,
password re-entry for signing), API tokens expire and can be revoked, and a login without
``next`` lands on the home page."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from ledger.models import LedgerEntry
from projects.models import AuditEvent
from projects.reauth import password_reentered_check
from tests.conftest import PASSWORD

LIMIT = settings.SIGNIN_FAILURE_LIMIT
TOKEN_URL = "/api/v1/auth/token/"
LOGIN_URL = "/login/"  # the archive's own page; DRF's stays for the browsable API
REAUTH_URL = "/api/v1/signing/reauthenticate/"
ELSEWHERE = "203.0.113.7"


def obtain(username, password, *, address="127.0.0.1", language="en"):
    return APIClient(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language).post(
        TOKEN_URL, {"username": username, "password": password}, format="json"
    )


def page_login(username, password, *, address="127.0.0.1", language="en"):
    return Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=language).post(
        LOGIN_URL, {"username": username, "password": password}
    )


def reauth(api, password):
    return api.post(REAUTH_URL, {"password": password}, format="json")


def token_client(username, *, address="127.0.0.1"):
    token = obtain(username, PASSWORD, address=address).json()["token"]
    return APIClient(
        REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {token}"
    ), token


def lockout_events():
    return AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN_LOCKOUT)


def assert_locked_answer(response):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.SIGNIN_COOLOFF_MINUTES * 60
    body = response.json()
    assert body["code"] == "sign_in_locked"
    assert "Too many wrong passwords" in body["detail"]
    assert f"Try again in {settings.SIGNIN_COOLOFF_MINUTES} minutes" in body["detail"]


# --- The lockout, on each of the three ways to give a password ---


def test_wrong_passwords_for_a_token_lock_the_account_even_for_the_right_password(alice, leo):
    for _attempt in range(LIMIT - 1):
        refused = obtain("alice", "not-the-password")
        assert refused.status_code == 400
        assert "The username or password is not correct." in str(refused.json())
    assert_locked_answer(obtain("alice", "not-the-password"))

    assert_locked_answer(obtain("alice", PASSWORD))
    assert not AuthToken.objects.filter(user=alice).exists()
    # Locked by account: another address gets the same answer for alice ...
    assert_locked_answer(obtain("alice", PASSWORD, address=ELSEWHERE))
    # ... and by address: another account from the guessing address is refused too.
    assert obtain("leo", PASSWORD).status_code == 429
    # leo from elsewhere is not affected.
    assert obtain("leo", PASSWORD, address=ELSEWHERE).status_code == 200


def test_the_lockout_ends_after_the_cool_off(alice):
    for _attempt in range(LIMIT):
        obtain("alice", "not-the-password")
    assert obtain("alice", PASSWORD).status_code == 429

    # As if the cool-off had passed since the last wrong password.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - datetime.timedelta(minutes=settings.SIGNIN_COOLOFF_MINUTES)
    )
    assert obtain("alice", PASSWORD).status_code == 200


def test_trying_again_during_the_lockout_does_not_push_its_end_further(alice):
    for _attempt in range(LIMIT):
        obtain("alice", "not-the-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=10))
    response = obtain("alice", PASSWORD)
    assert response.status_code == 429
    wait = settings.SIGNIN_COOLOFF_MINUTES - 10
    assert int(response["Retry-After"]) <= wait * 60
    assert f"Try again in {wait} minutes" in response.json()["detail"]


def test_the_lockout_message_is_chinese_for_a_chinese_phone(alice):
    for _attempt in range(LIMIT):
        response = obtain("alice", "not-the-password", language="zh-hans")
    assert response.status_code == 429
    assert "密码错误次数过多" in response.json()["detail"]
    assert f"{settings.SIGNIN_COOLOFF_MINUTES} 分钟" in response.json()["detail"]


def test_wrong_passwords_on_the_login_page_lock_it_with_a_page_that_says_how_long(alice):
    for _attempt in range(LIMIT - 1):
        assert page_login("alice", "not-the-password").status_code == 200  # the form again
    locked = page_login("alice", "not-the-password", language="zh-hans")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    text = locked.content.decode()
    assert "登录已锁定" in text
    assert f"{settings.SIGNIN_COOLOFF_MINUTES} 分钟" in text

    right = page_login("alice", PASSWORD, language="en")
    assert right.status_code == 429
    assert "_auth_user_id" not in right.wsgi_request.session
    assert "Too many wrong passwords" in right.content.decode()
    assert page_login("alice", PASSWORD, address=ELSEWHERE).status_code == 429


def test_a_stolen_token_cannot_be_used_to_guess_the_password(alice):
    api, token = token_client("alice")
    for _attempt in range(LIMIT - 1):
        refused = reauth(api, "not-the-password")
        assert refused.status_code == 400
        assert refused.json() == {"password": ["That password is not correct."]}
    assert_locked_answer(reauth(api, "not-the-password"))
    assert_locked_answer(reauth(api, PASSWORD))
    # The account itself is locked, wherever its owner signs in from.
    assert obtain("alice", PASSWORD, address=ELSEWHERE).status_code == 429
    assert page_login("alice", PASSWORD, address=ELSEWHERE).status_code == 429


def test_a_lockout_is_one_audit_event_in_the_ledger(alice, admin):
    for _attempt in range(LIMIT + 3):
        obtain("alice", "not-the-password")
    obtain("alice", PASSWORD)

    event = lockout_events().get()
    assert event.actor is None  # whoever typed the passwords, not necessarily alice
    assert event.subject_id == str(alice.pk)
    assert event.remote_address == "127.0.0.1"
    assert f"{LIMIT} wrong passwords" in event.reason
    assert "alice" in event.reason
    assert LedgerEntry.objects.filter(
        record_type="projects.auditevent", record_id=str(event.pk)
    ).exists()
    listed = APIClient()
    listed.force_authenticate(admin)
    actions = [e["action"] for e in listed.get("/api/v1/audit-events/").json()["results"]]
    assert "sign_in_lockout" in actions


def test_guessing_unknown_usernames_from_one_address_locks_the_address(alice):
    for n in range(LIMIT):
        obtain(f"nobody-{n}", "not-the-password")
    assert obtain("alice", PASSWORD).status_code == 429
    assert obtain("alice", PASSWORD, address=ELSEWHERE).status_code == 200
    assert lockout_events().get().subject_id == ""


def test_the_address_behind_our_proxy_is_the_one_locked(alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    api = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=ELSEWHERE)
    for n in range(LIMIT):
        api.post(TOKEN_URL, {"username": f"nobody-{n}", "password": "x"}, format="json")
    assert lockout_events().get().remote_address == ELSEWHERE
    # Another client behind the same proxy is not locked out.
    other = APIClient(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert other.post(TOKEN_URL, {"username": "alice", "password": PASSWORD}).status_code == 200


def test_a_few_typos_before_the_right_password_are_forgotten(alice):
    for _attempt in range(LIMIT - 1):
        obtain("alice", "not-the-password")
    assert obtain("alice", PASSWORD).status_code == 200
    for _attempt in range(LIMIT - 1):
        assert obtain("alice", "not-the-password").status_code == 400
    assert not lockout_events().exists()


# --- API tokens ---


def test_each_sign_in_gets_its_own_token_with_an_expiry(alice):
    first = obtain("alice", PASSWORD).json()
    second = obtain("alice", PASSWORD).json()
    assert first["token"] != second["token"]
    expiry = datetime.datetime.fromisoformat(first["expiry"])
    expected = timezone.now() + datetime.timedelta(hours=settings.API_TOKEN_HOURS)
    assert abs((expiry - expected).total_seconds()) < 60
    # Only a hash is kept.
    assert not AuthToken.objects.filter(digest=first["token"]).exists()
    assert AuthToken.objects.filter(user=alice).count() == 2


def test_an_expired_token_is_refused_with_401_and_says_to_sign_in_again(alice):
    api, token = token_client("alice")
    assert api.get("/api/v1/me/").status_code == 200
    AuthToken.objects.filter(user=alice).update(expiry=timezone.now() - datetime.timedelta(1))

    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == (
        "Your sign-in has expired. Sign in again with your username and password to get a"
        " new token."
    )
    # Refused once, knox deleted it: asked again, it is simply not valid.
    chinese = APIClient(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = chinese.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == (
        "此令牌无效：已过期或已被撤销。请用用户名和密码重新登录以获取新令牌。"
    )


def test_a_made_up_token_is_refused_with_401(db):
    made_up = APIClient(HTTP_AUTHORIZATION="Token " + "0" * 64, HTTP_ACCEPT_LANGUAGE="en")
    response = made_up.get("/api/v1/me/")
    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]


def test_a_user_lists_their_own_tokens_without_the_secrets(alice, leo):
    api, token = token_client("alice")
    token_client("alice")
    token_client("leo")
    listed = api.get("/api/v1/auth/tokens/").json()
    assert len(listed) == 2
    assert [t["current"] for t in listed].count(True) == 1
    current = next(t for t in listed if t["current"])
    assert token.startswith(current["key"])
    assert all(len(t["key"]) < 20 and "expiry" in t and "created" in t for t in listed)
    assert token not in str(listed)


def test_a_user_revokes_one_token_and_only_their_own(alice, leo):
    phone, phone_token = token_client("alice")
    laptop, laptop_token = token_client("alice")
    leos, leos_token = token_client("leo")

    assert laptop.delete(f"/api/v1/auth/tokens/{phone_token[:15]}/").status_code == 204
    assert phone.get("/api/v1/me/").status_code == 401
    assert laptop.get("/api/v1/me/").status_code == 200

    refused = laptop.delete(f"/api/v1/auth/tokens/{leos_token[:15]}/")
    assert refused.status_code == 404
    assert "You have no working token" in refused.json()["detail"]
    assert leos.get("/api/v1/me/").status_code == 200


def test_signing_out_revokes_the_token_used_and_revoking_all_signs_out_everywhere(alice):
    phone, _phone_token = token_client("alice")
    laptop, _laptop_token = token_client("alice")
    tablet, _tablet_token = token_client("alice")

    assert phone.post("/api/v1/auth/logout/").status_code == 204
    assert phone.get("/api/v1/me/").status_code == 401
    assert laptop.get("/api/v1/me/").status_code == 200

    assert laptop.delete("/api/v1/auth/tokens/").status_code == 204
    assert laptop.get("/api/v1/me/").status_code == 401
    assert tablet.get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(user=alice).exists()


def test_the_token_list_needs_a_signed_in_user(db):
    assert APIClient().get("/api/v1/auth/tokens/").status_code in (401, 403)


# --- The login page ---


def test_logging_in_without_next_lands_on_the_home_page(alice):
    response = page_login("alice", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_wrong_password_on_the_login_page_shows_the_form_again(alice, language):
    response = page_login("alice", "not-the-password", language=language)
    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session


def test_a_password_check_without_a_request_counts_against_the_account(alice, leo):
    for _attempt in range(LIMIT):
        with pytest.raises(ValidationError):
            password_reentered_check(user=alice, password="not-the-password")
    with pytest.raises(ValidationError) as refused:
        password_reentered_check(user=alice, password=PASSWORD)
    assert "Too many wrong passwords" in refused.value.message_dict["password"][0]
    # No address to lock: other accounts are not affected.
    assert obtain("alice", PASSWORD).status_code == 429
    assert obtain("leo", PASSWORD).status_code == 200


def test_listing_tokens_takes_the_same_few_queries_however_many_there_are(
    alice, django_assert_max_num_queries
):
    api, _token = token_client("alice")
    with django_assert_max_num_queries(4):
        assert len(api.get("/api/v1/auth/tokens/").json()) == 1
    for _sign_in in range(5):
        token_client("alice")
    with django_assert_max_num_queries(4):
        assert len(api.get("/api/v1/auth/tokens/").json()) == 6
