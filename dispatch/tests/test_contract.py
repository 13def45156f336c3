"""Every dispatch operation answers as the OpenAPI contract documents it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from core.tests.contract import assert_conforms
from dispatch.models import DispatchDecision, DispatchRun
from dispatch.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def admin(acme, client_for):
    return client_for(acme, "admin@acme.test")


@pytest.fixture
def lead(acme):
    return LeadFactory(tenant=acme, whatsapp=True)


def test_leads(admin, lead):
    assert_conforms(admin.get("/api/tenant/leads", {"status": "new"}), "get", "/api/tenant/leads")
    created = admin.post("/api/tenant/leads", {"name": "Bruna", "email": "bruna@example.com"}, content_type=JSON)
    assert created.status_code == 201
    assert_conforms(created, "post", "/api/tenant/leads")
    assert_conforms(admin.get("/api/tenant/leads", {"status": "maybe"}), "get", "/api/tenant/leads")
    assert_conforms(admin.post("/api/tenant/leads", {"name": "No way"}, content_type=JSON), "post", "/api/tenant/leads")


def test_a_lead(admin, lead):
    path, url = "/api/tenant/leads/{lead_id}", f"/api/tenant/leads/{lead.pk}"
    assert_conforms(admin.get(url), "get", path)
    patched = admin.patch(url, {"status": "contacted"}, content_type=JSON)
    assert patched.status_code == 200
    assert_conforms(patched, "patch", path)
    assert_conforms(admin.patch(url, {"phone": "12"}, content_type=JSON), "patch", path)
    deleted = admin.delete(url)
    assert deleted.status_code == 204
    assert_conforms(deleted, "delete", path)
    assert_conforms(admin.get(url), "get", path)


def test_lead_import(admin):
    upload = SimpleUploadedFile("leads.csv", b"name,email\nAna,ana@example.com\nRui,rui@example.com\n")
    imported = admin.post("/api/tenant/leads/import", {"file": upload})
    assert imported.status_code == 201 and imported.json() == {"imported": 2}
    assert_conforms(imported, "post", "/api/tenant/leads/import")
    assert_conforms(admin.post("/api/tenant/leads/import", {}), "post", "/api/tenant/leads/import")


def test_dispatch_runs_and_decisions(acme, admin, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        started = admin.post("/api/tenant/dispatch/runs", {"batch_size": 5}, content_type=JSON)
    assert started.status_code == 202
    assert_conforms(started, "post", "/api/tenant/dispatch/runs")
    assert_conforms(admin.get("/api/tenant/dispatch/runs"), "get", "/api/tenant/dispatch/runs")
    refused = admin.post("/api/tenant/dispatch/runs", {"batch_size": 0}, content_type=JSON)
    assert_conforms(refused, "post", "/api/tenant/dispatch/runs")

    with tenant_context(acme):
        run = DispatchRun.objects.get(pk=started.json()["id"])
        DispatchDecision.objects.create(
            run=run, lead=lead, channel="whatsapp", reason_code="MEETING_INVITE", reason="Opted in.", dry_run=True
        )
    decisions = admin.get("/api/tenant/dispatch/decisions", {"run": run.pk})
    assert decisions.json()["count"] == 1
    assert_conforms(decisions, "get", "/api/tenant/dispatch/decisions")
    assert_conforms(admin.get("/api/tenant/dispatch/decisions", {"run": "x"}), "get", "/api/tenant/dispatch/decisions")


def test_internal_dispatch_flag(acme, client_for, public_tenant):
    staff = client_for(public_tenant, "admin@alquimista.test")
    path, url = "/api/internal/tenants/{tenant_id}/dispatch", f"/api/internal/tenants/{acme.pk}/dispatch"
    assert_conforms(staff.get(url), "get", path)
    switched = staff.post(url, {"enabled": False}, content_type=JSON)
    assert switched.status_code == 200 and switched.json()["flag"] is False
    assert_conforms(switched, "post", path)
    assert_conforms(staff.post(url, {"enabled": "yes"}, content_type=JSON), "post", path)
    assert_conforms(staff.get("/api/internal/tenants/999999/dispatch"), "get", path)
