"""Idempotency-Key on the POSTs that create things: provisioning, leads import, dispatch runs (issue 14)."""

import copy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import tenant_context
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from accounts.models import User
from accounts.tests.factories import MembershipFactory
from conftest import free_port, host_of, log_in_on
from core.idempotency import run_once
from dispatch.models import DispatchRun, Lead
from tenants.models import ProvisioningRun

pytestmark = pytest.mark.django_db

TENANTS = "/api/internal/tenants"
RUNS = "/api/tenant/dispatch/runs"
IMPORT = "/api/tenant/leads/import"
BODY = {"slug": "wonka", "name": "Wonka", "plan": "starter", "owner_name": "Willy", "owner_email": "willy@wonka.test"}
REUSED = {"Idempotency-Key": ["This key was already used for a different request in the last 24 hours."]}


def post(client, path, data, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, data, content_type="application/json", **headers)


@pytest.fixture
def staff_admin(client_for, public_tenant):
    return client_for(public_tenant, "admin@alquimista.test")


@pytest.fixture
def acme_admin(client_for, acme):
    with tenant_context(acme):
        Lead.objects.all().delete()
        DispatchRun.objects.all().delete()
    return client_for(acme, "admin@acme.test")


def runs_of(acme) -> int:
    with tenant_context(acme):
        return DispatchRun.objects.count()


def test_the_same_key_twice_provisions_once_and_replays_the_first_answer(
    staff_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = post(staff_admin, TENANTS, BODY, key="prov-1")
        again = post(staff_admin, TENANTS, BODY, key="prov-1")
    assert first.status_code == 202 and again.status_code == 202
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert [str(pk) for pk in ProvisioningRun.objects.filter(slug="wonka").values_list("pk", flat=True)] == [
        first.json()["id"]
    ]
    assert len(queued) == 1


def test_the_same_key_with_another_body_is_a_409_naming_the_header_and_creates_nothing(staff_admin):
    first = post(staff_admin, TENANTS, BODY, key="prov-2")
    other = post(staff_admin, TENANTS, {**BODY, "slug": "wonka-two"}, key="prov-2")
    assert first.status_code == 202
    assert other.status_code == 409
    assert other.json()["error"] == {
        "status": 409,
        "code": "conflict",
        "message": "Some fields are invalid.",
        "fields": REUSED,
    }
    assert ProvisioningRun.objects.filter(slug__in=["wonka", "wonka-two"]).count() == 1


def test_a_refused_first_request_keeps_nothing_so_the_corrected_retry_runs(staff_admin):
    refused = post(staff_admin, TENANTS, {**BODY, "plan": "no-such-plan"}, key="prov-3")
    corrected = post(staff_admin, TENANTS, BODY, key="prov-3")
    assert refused.status_code == 400 and corrected.status_code == 202
    assert ProvisioningRun.objects.filter(slug="wonka").count() == 1


def test_without_a_key_each_post_creates(acme, acme_admin):
    assert post(acme_admin, RUNS, {"batch_size": 5}).status_code == 202
    assert post(acme_admin, RUNS, {"batch_size": 5}).status_code == 202
    assert runs_of(acme) == 2


def test_dispatch_runs_the_same_key_starts_one_run_and_the_key_is_per_caller(acme, acme_admin):
    first = post(acme_admin, RUNS, {"batch_size": 5, "dry_run": True}, key="run-1")
    again = post(acme_admin, RUNS, {"dry_run": True, "batch_size": 5}, key="run-1")  # same body, other key order
    assert first.status_code == again.status_code == 202 and again.json() == first.json()
    assert runs_of(acme) == 1

    other_admin = Client(HTTP_HOST=host_of(acme))
    log_in_on(other_admin, acme, MembershipFactory(tenant=acme, admin=True).user)
    theirs = post(other_admin, RUNS, {"batch_size": 5, "dry_run": True}, key="run-1")
    assert theirs.status_code == 202 and theirs.json()["id"] != first.json()["id"]
    assert runs_of(acme) == 2


def test_leads_import_the_same_file_twice_imports_once_another_file_is_a_409(acme, acme_admin):
    csv = b"name,email\nAna,ana@lead.test\nBia,bia@lead.test\n"

    def upload(content):
        return acme_admin.post(
            IMPORT, {"file": SimpleUploadedFile("leads.csv", content)}, HTTP_IDEMPOTENCY_KEY="import-1"
        )

    first, again = upload(csv), upload(csv)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() == {"imported": 2}
    other = upload(b"name,email\nCid,cid@lead.test\n")
    assert other.status_code == 409 and other.json()["error"]["fields"] == REUSED
    with tenant_context(acme):
        assert sorted(Lead.objects.values_list("email", flat=True)) == ["ana@lead.test", "bia@lead.test"]


def test_a_key_longer_than_100_characters_is_a_400_naming_it(acme, acme_admin):
    response = post(acme_admin, RUNS, {"batch_size": 5}, key="k" * 101)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"Idempotency-Key": ["Use at most 100 characters."]}
    assert runs_of(acme) == 0


def test_with_redis_down_the_request_runs_without_idempotency(acme, acme_admin, settings):
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["LOCATION"] = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings.CACHES = caches
    assert post(acme_admin, RUNS, {"batch_size": 5}, key="run-2").status_code == 202
    assert post(acme_admin, RUNS, {"batch_size": 5}, key="run-2").status_code == 202
    assert runs_of(acme) == 2


def test_a_retry_while_the_first_request_still_runs_is_a_409_then_gets_the_first_answer(acme, acme_admin):
    raw = APIRequestFactory().post(RUNS, {"batch_size": 5}, format="json")
    raw.tenant = acme
    first = Request(raw, parsers=[JSONParser()])
    first.user = User.objects.get(email="admin@acme.test")
    retried = {}

    def run():  # the first request, during which the client retries
        retried["response"] = post(acme_admin, RUNS, {"batch_size": 5}, key="run-3")
        return Response({"id": 1234}, status=202)

    assert run_once(first, "run-3", run).data == {"id": 1234}
    assert retried["response"].status_code == 409
    assert retried["response"].json()["error"]["fields"] == {
        "Idempotency-Key": ["A request with this key is still being processed; retry in a moment."]
    }
    later = post(acme_admin, RUNS, {"batch_size": 5}, key="run-3")
    assert later.status_code == 202 and later.json() == {"id": 1234}
    assert runs_of(acme) == 0
