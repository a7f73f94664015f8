import pytest

from storage import gateway


@pytest.fixture
def supervisor(django_user_model):
    """Wang, a site supervisor who uploads evidence from the site."""
    return django_user_model.objects.create_user(username="wang.supervisor", password="x")


@pytest.fixture
def fresh_gateway():
    """A client rebuilt from the current settings before and after the test."""
    gateway.reset()
    yield
    gateway.reset()
