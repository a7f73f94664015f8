import pytest

from storage.services import object_store
from tests.storage import samples

pytestmark = pytest.mark.django_db


def test_operators_can_see_stored_objects_but_not_add_change_or_delete_them(admin_client):
    obj = object_store(fileobj=samples.named(samples.pdf(), "pledge.pdf"), user=None, archival=True)
    assert admin_client.get("/admin/storage/storedobject/").status_code == 200
    page = admin_client.get(f"/admin/storage/storedobject/{obj.pk}/change/")
    assert page.status_code == 200
    assert obj.sha256 in page.content.decode()
    assert admin_client.get("/admin/storage/storedobject/add/").status_code == 403
    assert admin_client.get(f"/admin/storage/storedobject/{obj.pk}/delete/").status_code == 403
    assert admin_client.post(f"/admin/storage/storedobject/{obj.pk}/change/", {}).status_code == 403
