"""ID numbers and phones are encrypted at rest and masked in every response."""

import json

from django.db import connection

from projects import pii
from projects.models import Person
from tests.conftest import id_number

PLAIN_ID = id_number("33010619930818262")  # 黄静, born 1993-08-18
PLAIN_PHONE = "13957198765"


def create_person(api_as):
    return api_as("alice").post(
        "/api/v1/people/",
        {
            "name": "黄静",
            "id_number": PLAIN_ID.lower(),
            "phone": "139 5719 8765",
            "practice_qualification": "registered_supervising_engineer",
            "practice_cert_no": "33011234",
        },
        format="json",
    )


def test_a_new_person_is_shown_with_a_masked_id_number_and_phone(api_as, project, alice):
    response = create_person(api_as)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id_number_masked"] == PLAIN_ID[:3] + "*" * 11 + PLAIN_ID[-4:]
    assert body["phone_masked"] == "139****8765"
    assert PLAIN_ID not in response.content.decode()
    assert PLAIN_PHONE not in response.content.decode()


def test_the_plain_id_number_and_phone_are_not_in_the_database_row(api_as, project, alice):
    person_id = create_person(api_as).json()["id"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM projects_person WHERE id = %s", [person_id])
        row = json.dumps([str(value) for value in cursor.fetchone()], ensure_ascii=False)
    assert PLAIN_ID not in row
    assert PLAIN_ID[:17] not in row
    assert PLAIN_PHONE not in row
    person = Person.objects.get(pk=person_id)
    assert pii.decrypt(person.id_number_ciphertext) == PLAIN_ID
    assert pii.decrypt(person.phone_ciphertext) == PLAIN_PHONE


def test_no_api_response_contains_a_plain_id_number(api_as, project, actors):
    person_id = create_person(api_as).json()["id"]
    plain_numbers = [PLAIN_ID] + [
        pii.decrypt(person.id_number_ciphertext) for person in Person.objects.all()
    ]
    urls = [
        "/api/v1/people/",
        f"/api/v1/people/{person_id}/",
        "/api/v1/organizations/",
        f"/api/v1/projects/{project.pk}/lead-tenures/",
        "/api/v1/me/",
    ]
    for actor in ("admin", "alice", "reggie"):
        for url in urls:
            content = api_as(actor).get(url).content.decode()
            for number in plain_numbers:
                assert number not in content, (actor, url)


def test_the_same_id_number_cannot_be_registered_twice(api_as, project, alice):
    assert create_person(api_as).status_code == 201
    response = create_person(api_as)
    assert response.status_code == 400
    assert response.json()["id_number"] == ["A person with this ID number is already registered."]


def test_an_id_number_with_a_typing_mistake_is_refused_with_the_right_check_character(
    api_as, project, alice
):
    response = api_as("alice").post(
        "/api/v1/people/",
        {"name": "黄静", "id_number": PLAIN_ID[:17] + "0"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["id_number"] == [
        f"The 18th character should be '{PLAIN_ID[17]}' — check the number for a typing mistake."
    ]


def test_personal_data_decrypts_after_a_key_rotation(settings, api_as, project, alice):
    from cryptography.fernet import Fernet

    person_id = create_person(api_as).json()["id"]
    settings.PII_ENCRYPTION_KEYS = (
        f"{Fernet.generate_key().decode()},{settings.PII_ENCRYPTION_KEYS}"
    )
    person = Person.objects.get(pk=person_id)
    assert pii.decrypt(person.id_number_ciphertext) == PLAIN_ID
