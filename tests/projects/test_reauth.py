"""Every signature asks for the password again, checked the way a login is."""

import pytest
from django.core.exceptions import ValidationError

from projects.reauth import password_reentered_check


def test_the_own_password_passes_and_a_wrong_or_empty_one_is_refused(django_user_model):
    user = django_user_model.objects.create_user(username="signer", password="Sign-2026-pass")
    password_reentered_check(user=user, password="Sign-2026-pass")
    for wrong in ("sign-2026-pass", "", None):
        with pytest.raises(ValidationError) as refused:
            password_reentered_check(user=user, password=wrong)
        assert refused.value.message_dict == {"password": ["That password is not correct."]}


def test_another_persons_password_and_a_deactivated_account_are_refused(django_user_model):
    user = django_user_model.objects.create_user(username="signer", password="Sign-2026-pass")
    django_user_model.objects.create_user(username="other", password="Other-2026-pass")
    with pytest.raises(ValidationError):
        password_reentered_check(user=user, password="Other-2026-pass")
    user.is_active = False
    user.save()
    with pytest.raises(ValidationError):
        password_reentered_check(user=user, password="Sign-2026-pass")
