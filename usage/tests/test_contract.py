"""Every usage operation answers as the OpenAPI contract documents it, cost figures or not."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from accounts.api_keys import api_key_create
from core.tests.contract import assert_conforms
from usage.selectors import utc_today
from usage.tests.factories import AgentRequestFactory, UsageDailyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_usage(acme, globex):
    for tenant in (acme, globex):
        UsageDailyFactory(tenant=tenant, day=utc_today() - timedelta(days=2))
        AgentRequestFactory(tenant=tenant)


def test_tenant_me_and_usage(acme, client_for, with_usage):
    member = client_for(acme, "user@acme.test")
    assert_conforms(member.get("/api/tenant/me"), "get", "/api/tenant/me")
    usage = member.get("/api/tenant/usage", {"period": "7d"})
    assert usage.status_code == 200 and "cost" in usage.json()["totals"]
    assert_conforms(usage, "get", "/api/tenant/usage")
    assert_conforms(member.get("/api/tenant/usage", {"period": "1y"}), "get", "/api/tenant/usage")


def test_tenant_reads_without_cost_still_conform(acme, client_for, public_tenant, with_usage):
    support = client_for(acme, "support@alquimista.test")
    me = support.get("/api/tenant/me")
    if me.status_code == 200:
        assert "cost" not in me.json()["month"]
    assert_conforms(me, "get", "/api/tenant/me")
    assert_conforms(support.get("/api/tenant/usage"), "get", "/api/tenant/usage")


def test_ingest(acme):
    _, raw = api_key_create(tenant=acme, name="agent", scopes=["ingest"])
    client = Client(HTTP_HOST=f"{acme.slug}.localhost", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    row = {
        "agent": "email-nurture",
        "started_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "duration_ms": 640,
        "outcome": "success",
        "event_id": "evt-1",
    }
    for expected in ({"accepted": 1, "duplicates": 0}, {"accepted": 0, "duplicates": 1}):
        response = client.post("/api/tenant/agent-requests", {"requests": [row]}, content_type="application/json")
        assert response.status_code == 201 and response.json() == expected
        assert_conforms(response, "post", "/api/tenant/agent-requests")
    refused = client.post("/api/tenant/agent-requests", {"requests": []}, content_type="application/json")
    assert_conforms(refused, "post", "/api/tenant/agent-requests")


def test_internal_overviews(client_for, public_tenant, with_usage):
    admin = client_for(public_tenant, "admin@alquimista.test")
    support = client_for(public_tenant, "support@alquimista.test")
    for client in (admin, support):
        overview = client.get("/api/internal/usage/overview", {"period": "30d"})
        assert overview.status_code == 200 and overview.json()["top_tenants_by_requests"]
        assert_conforms(overview, "get", "/api/internal/usage/overview")
    assert_conforms(admin.get("/api/internal/usage/overview", {"period": "x"}), "get", "/api/internal/usage/overview")
    billing = admin.get("/api/internal/billing/overview")
    assert billing.status_code == 200 and billing.json()["tenants"]
    assert_conforms(billing, "get", "/api/internal/billing/overview")
    assert_conforms(support.get("/api/internal/billing/overview"), "get", "/api/internal/billing/overview")
