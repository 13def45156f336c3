"""The agent lists answer exactly what the OpenAPI contract documents: one page shape, cost for those who may see it."""

import pytest

from agents.tests.factories import TenantAgentFactory
from core.tests.contract import assert_conforms

pytestmark = pytest.mark.django_db


@pytest.fixture
def agents(acme):
    TenantAgentFactory(tenant=acme, status="paused", avg_ms_30d=None)
    TenantAgentFactory(tenant=acme, requests_30d=10, errors_30d=1, avg_ms_30d=120.25, config={"model": "small"})


def test_the_tenant_s_agents_are_a_documented_page(client_for, acme, agents):
    page = client_for(acme, "user@acme.test").get("/api/tenant/agents", {"page_size": 200})
    assert page.status_code == 200 and page.json()["count"] >= 2
    assert_conforms(page, "get", "/api/tenant/agents")
    bad = client_for(acme, "user@acme.test").get("/api/tenant/agents", {"status": "sleeping"})
    assert bad.status_code == 400
    assert_conforms(bad, "get", "/api/tenant/agents")


@pytest.mark.parametrize("email", ["admin@alquimista.test", "support@alquimista.test"])
def test_a_tenant_s_agents_for_staff_are_a_documented_page(client_for, public_tenant, acme, agents, email):
    page = client_for(public_tenant, email).get(f"/api/internal/tenants/{acme.pk}/agents", {"page_size": 200})
    assert page.status_code == 200 and page.json()["count"] == len(page.json()["results"]) >= 2
    assert_conforms(page, "get", "/api/internal/tenants/{tenant_id}/agents")


def test_a_staff_agent_list_error_is_documented(client_for, public_tenant, acme):
    client = client_for(public_tenant, "admin@alquimista.test")
    assert_conforms(
        client.get("/api/internal/tenants/999999/agents"), "get", "/api/internal/tenants/{tenant_id}/agents"
    )
    past_the_end = client.get(f"/api/internal/tenants/{acme.pk}/agents", {"page": 99})
    assert past_the_end.status_code == 400
    assert_conforms(past_the_end, "get", "/api/internal/tenants/{tenant_id}/agents")
