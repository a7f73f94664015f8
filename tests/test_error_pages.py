"""Our own error pages: each says, in the user's language, what happened and what to do."""

from django.test import Client, RequestFactory

from config.views import server_error


def chinese(user=None):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


def test_an_unknown_address_answers_our_404_page_in_chinese(alice):
    response = chinese(alice).get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "<h1>未找到</h1>" in text
    assert "返回我的工作" in text
    # The layout is there: the user's name and the sign-out button.
    assert "退出登录" in text


def test_a_supervisor_on_the_oversight_list_is_told_only_regulators_see_it(alice):
    response = chinese(alice).get("/oversight/")
    assert response.status_code == 403
    assert "您无权进行此操作" in response.content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(alice)
    text = english.get("/oversight/").content.decode()
    assert "The oversight lists are for regulators and archive operators." in text


def test_a_form_sent_without_its_csrf_token_is_refused_and_explained(alice):
    client = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/logout/")
    assert response.status_code == 403
    assert "The form had expired" in response.content.decode()
    # Nothing happened: alice is still signed in.
    assert client.get("/projects/").status_code == 200


def test_a_request_for_a_host_the_archive_does_not_serve_gets_our_400_page():
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/", HTTP_HOST="archive.evil.example")
    assert response.status_code == 400
    assert "The request could not be understood" in response.content.decode()


def test_the_500_page_says_nothing_was_half_written_without_needing_the_request():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "nothing is left half-written" in response.content.decode()


def test_the_503_page_says_the_database_is_down_and_nothing_was_saved_in_chinese():
    from django.utils import translation

    from config.unavailable import unavailable_page

    with translation.override("zh-hans"):
        response = unavailable_page(database=True)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "无法连接档案系统的数据库，因此没有保存任何内容。" in page
    assert "错误 503" in page
