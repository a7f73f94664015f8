"""The archive's own sign-in page: Chinese by default, lands on the page asked for or on
my work, says what was wrong, and signing out needs a POST."""

from django.test import Client

from tests.conftest import PASSWORD


def test_the_sign_in_page_is_chinese_by_default_and_fits_a_phone():
    response = Client().get("/login/")
    text = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in text
    assert "<h1>登录</h1>" in text
    assert 'name="viewport" content="width=device-width' in text
    assert 'autocomplete="current-password"' in text


def test_a_page_asked_for_before_signing_in_is_where_the_sign_in_lands(alice):
    client = Client()
    asked = client.get("/projects/")
    assert asked.status_code == 302
    assert asked["Location"] == "/login/?next=/projects/"
    landed = client.post(
        "/login/?next=/projects/",
        {"username": "alice", "password": PASSWORD, "next": "/projects/"},
    )
    assert landed.status_code == 302
    assert landed["Location"] == "/projects/"


def test_without_next_the_sign_in_lands_on_my_work_and_a_signed_in_visitor_goes_there(alice):
    client = Client()
    landed = client.post("/login/", {"username": "alice", "password": PASSWORD})
    assert landed["Location"] == "/"
    assert client.get("/login/")["Location"] == "/"


def test_a_wrong_password_is_refused_with_a_message_and_no_session(alice):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    refused = client.post("/login/", {"username": "alice", "password": "nope"})
    assert refused.status_code == 200
    assert "Please enter a correct username and password" in refused.content.decode()
    assert client.get("/projects/").status_code == 302


def test_a_sign_in_to_another_site_is_not_followed(alice):
    landed = Client().post(
        "/login/",
        {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert landed["Location"] == "/"


def test_signing_out_takes_a_post_and_ends_the_session(alice):
    client = Client()
    client.force_login(alice)
    assert client.get("/logout/").status_code == 405
    assert client.get("/projects/").status_code == 200
    signed_out = client.post("/logout/")
    assert signed_out["Location"] == "/login/"
    assert client.get("/projects/").status_code == 302
