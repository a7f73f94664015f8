import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_suite_runs_on_postgresql():
    assert connection.vendor == "postgresql"


@pytest.mark.django_db
def test_home_page_speaks_chinese_by_default_and_english_on_request(client):
    chinese = client.get("/")
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert chinese.status_code == 200
    assert "工程质量终身责任档案" in chinese.content.decode()
    assert "Lifetime Quality Archive" in english.content.decode()


@pytest.mark.django_db
def test_openapi_schema_is_published_for_api_clients(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert "/api/v1/projects/" in response.json()["paths"]


@pytest.mark.django_db
def test_api_docs_load_their_scripts_from_this_server_not_a_cdn(client):
    page = client.get("/api/docs/").content.decode()

    assert "swagger-ui" in page
    assert "cdn.jsdelivr.net" not in page
