"""System checks and management commands that tell an operator what is wrong with S3."""

import io
import uuid

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from storage import gateway
from storage.embedded import free_port_pairs

pytestmark = pytest.mark.usefixtures("fresh_gateway")


def storage_check_ids() -> list[str]:
    messages = checks.run_checks(tags=["storage"], include_deployment_checks=True)
    return [message.id for message in messages]


def test_a_working_object_store_passes_the_checks():
    assert storage_check_ids() == []


def test_an_endpoint_with_a_scheme_is_reported_as_misconfigured():
    with override_settings(S3_ENDPOINT="http://127.0.0.1:9000"):
        messages = checks.run_checks(tags=["storage"], include_deployment_checks=True)
    assert [m.id for m in messages] == ["storage.E001"]
    assert "no http://" in messages[0].hint


def test_an_endpoint_nobody_answers_on_is_reported_as_unreachable():
    dead_port = free_port_pairs(1, start=29100, stop=29900)[0]
    with override_settings(S3_ENDPOINT=f"127.0.0.1:{dead_port}"):
        assert storage_check_ids() == ["storage.E001"]


def test_a_wrong_secret_is_reported_as_rejected_credentials():
    with override_settings(S3_SECRET_KEY="not-the-secret"):
        messages = checks.run_checks(tags=["storage"], include_deployment_checks=True)
    assert [m.id for m in messages] == ["storage.E002"]
    assert "S3_SECRET_KEY" in messages[0].hint


def test_an_archive_bucket_without_object_lock_is_reported():
    name = f"no-lock-{uuid.uuid4().hex[:12]}"
    gateway.bucket_ensure(name, object_lock=False)
    with override_settings(S3_ARCHIVE_BUCKET=name):
        messages = checks.run_checks(tags=["storage"], include_deployment_checks=True)
    assert [m.id for m in messages] == ["storage.E003"]
    assert "without object lock" in messages[0].msg


def test_a_missing_bucket_is_reported_with_the_command_that_creates_it():
    with override_settings(S3_ARCHIVE_BUCKET=f"missing-{uuid.uuid4().hex[:12]}"):
        messages = checks.run_checks(tags=["storage"], include_deployment_checks=True)
    assert [m.id for m in messages] == ["storage.E003"]
    assert "storage_init" in messages[0].hint


def test_plain_check_does_not_need_the_object_store():
    dead_port = free_port_pairs(1, start=29100, stop=29900)[0]
    with override_settings(S3_ENDPOINT=f"127.0.0.1:{dead_port}"):
        call_command("check", stdout=io.StringIO())


def test_storage_init_creates_the_buckets_with_object_lock_on_the_archive():
    archive, derived = f"archive-{uuid.uuid4().hex[:12]}", f"derived-{uuid.uuid4().hex[:12]}"
    out = io.StringIO()
    with override_settings(S3_ARCHIVE_BUCKET=archive, S3_DERIVED_BUCKET=derived):
        call_command("storage_init", stdout=out)
        assert gateway.bucket_status(archive).object_lock
        assert gateway.bucket_status(derived).exists
        assert storage_check_ids() == []
    assert f"{archive}: created, object lock on" in out.getvalue()
    assert f"{derived}: created, no object lock" in out.getvalue()


def test_storage_check_succeeds_when_all_is_well():
    out = io.StringIO()
    call_command("storage_check", stdout=out)
    assert "The object store is ready." in out.getvalue()


def test_storage_check_fails_on_rejected_credentials():
    err = io.StringIO()
    with override_settings(S3_SECRET_KEY="not-the-secret"), pytest.raises(CommandError):
        call_command("storage_check", stdout=io.StringIO(), stderr=err)
    assert "storage.E002" in err.getvalue()
