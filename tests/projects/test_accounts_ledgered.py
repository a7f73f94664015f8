"""Account changes made outside our services — the admin, Django's auth commands — are in
the ledger too, with the person who made them; logging in is not a change."""

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client

from ledger.models import LedgerEntry


def entries_of(user):
    return list(
        LedgerEntry.objects.filter(record_type="auth.user", record_id=str(user.pk))
        .order_by("index")
        .values_list("action", "actor")
    )


def test_an_account_made_and_changed_in_the_admin_is_ledgered_with_the_operator(
    admin, django_user_model
):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    response = client.post(
        "/admin/auth/user/add/",
        {"username": "newcomer", "password1": "Str0ng-pass-2026", "password2": "Str0ng-pass-2026"},
    )
    assert response.status_code == 302, response.content[:500]
    newcomer = django_user_model.objects.get(username="newcomer")
    assert ("create", "admin") in entries_of(newcomer)

    password_url = f"/admin/auth/user/{newcomer.pk}/password/"
    client.post(password_url, {"password1": "An0ther-pass-2026", "password2": "An0ther-pass-2026"})
    assert entries_of(newcomer)[-1] == ("update", "admin")


def test_logging_in_adds_no_entry_but_a_group_change_does(admin, django_user_model):
    user = django_user_model.objects.create_user(username="walker", password="Walk-2026-pass")
    before = entries_of(user)
    assert before == [("create", "")]  # made by a script: no acting person

    assert Client().login(username="walker", password="Walk-2026-pass")
    assert entries_of(user) == before

    user.groups.add(Group.objects.create(name="auditors"))
    assert entries_of(user)[-1] == ("update", "")


def test_the_changepassword_command_and_deletion_are_ledgered(django_user_model, monkeypatch):
    user = django_user_model.objects.create_user(username="leaver", password="Leave-2026-pass")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "Changed-2026-pass")
    call_command("changepassword", "leaver", stdout=None)
    pk = user.pk
    user.delete()
    actions = list(
        LedgerEntry.objects.filter(record_type="auth.user", record_id=str(pk))
        .order_by("index")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]
