"""RecordChecks: the "verified" badge a page shows beside a record. Each record is checked
as an outside verifier would (its hash, its entry's leaf, the proof, the checkpoint's
signature) in a fixed number of queries, and nothing is signed on read."""

import pytest
from django.db import transaction
from django.template import Context, Template

from ledger.models import Checkpoint
from ledger.proofs import RecordChecks
from ledger.services import checkpoint_create, ledger_append

pytestmark = pytest.mark.django_db


def _recorded(django_user_model, inspector, name):
    user = django_user_model.objects.create_user(username=name)
    with transaction.atomic():
        ledger_append(record=user, action="create", actor=inspector)
    return user


def test_each_state_a_page_can_show(inspector, django_user_model):
    proven = _recorded(django_user_model, inspector, "proven")
    changed = _recorded(django_user_model, inspector, "changed")
    checkpoint_create()
    newer = _recorded(django_user_model, inspector, "newer")
    unrecorded = django_user_model.objects.create_user(username="unrecorded")
    # Changed behind the ledger's back, as a database edit would.
    django_user_model.objects.filter(pk=changed.pk).update(last_name="Edited")
    changed.refresh_from_db()

    checks = RecordChecks([proven, changed, newer, unrecorded, None])

    assert checks.of(proven).state == "verified"
    assert checks.of(changed).state == "mismatch"
    assert checks.of(newer).state == "pending"
    assert checks.of(unrecorded).state == "unrecorded"
    assert checks.of(None).state == "unrecorded"
    assert not checks.all_ok
    assert checks.of(proven).action == "create"


def test_a_checkpoint_not_signed_by_the_archive_key_fails_every_record(
    inspector, django_user_model
):
    record = _recorded(django_user_model, inspector, "record")
    checkpoint = checkpoint_create()
    Checkpoint.objects.filter(pk=checkpoint.pk).update(signature="00" * 64)

    checks = RecordChecks([record])

    assert checks.forged_checkpoint
    assert checks.of(record).state == "mismatch"


def test_reads_do_not_grow_with_the_records_and_sign_nothing(
    inspector, django_user_model, django_assert_max_num_queries
):
    users = [_recorded(django_user_model, inspector, f"u{n}") for n in range(40)]
    checkpoint_create()
    signed = Checkpoint.objects.count()

    # the entries, the latest checkpoint, the leaves and the cached subtree hashes
    with django_assert_max_num_queries(4):
        checks = RecordChecks(users)
    assert all(checks.of(user).state == "verified" for user in users)
    assert Checkpoint.objects.count() == signed


def test_the_badge_says_it_in_words(inspector, django_user_model):
    proven = _recorded(django_user_model, inspector, "proven")
    checkpoint_create()
    changed = _recorded(django_user_model, inspector, "changed")
    django_user_model.objects.filter(pk=changed.pk).update(last_name="Edited")
    changed.refresh_from_db()
    checks = RecordChecks([proven, changed])
    template = Template(
        "{% load ledger_tags %}{% record_check checks a %}|{% record_check checks b False %}"
    )

    html = template.render(Context({"checks": checks, "a": proven, "b": changed}))

    first, second = html.split("|")
    assert "Verified" in first
    assert "entry #" in first
    assert "Does not match the ledger" in second
    assert "entry #" not in second
