"""An acceptance sign-off asks for the password again: wrong ones count towards the sign-in
lockout like any other, even though each refusal rolls the signing transaction back."""

from django.conf import settings

from inspections import services
from inspections.models import SignOff
from ledger.models import LedgerEntry
from tests.inspections.conftest import client_for, sign


def test_wrong_passwords_on_a_sign_off_lock_the_account(project, tree, alice):
    services.record_submit(record=tree["lot"], actor=alice)
    lot = tree["lot"]
    lot.refresh_from_db()
    entries = LedgerEntry.objects.count()
    api = client_for(alice)
    for _attempt in range(settings.SIGNIN_FAILURE_LIMIT - 1):
        refused = sign(api, project, lot, password="not-the-password")
        assert refused.status_code == 400
        assert refused.json()["password"] == ["That password is not correct."]

    locked = sign(api, project, lot, password="not-the-password")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert "Too many wrong passwords" in locked.json()["detail"]
    assert sign(api, project, lot).status_code == 429  # the right password, too
    assert not SignOff.objects.exists()
    # Nothing but the lockout's audit event was written.
    assert LedgerEntry.objects.count() == entries + 1
