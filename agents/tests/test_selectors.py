"""agents.selectors.tenant_agents: one tenant's agents, read in its schema, ordered and filtered."""

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from agents.models import TenantAgent
from agents.selectors import tenant_agents
from agents.tests.factories import AgentTypeFactory, TenantAgentFactory
from tenants.tests.factories import TenantFactory
from usage.demo import TENANT_SHAPES

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(db):
    return TenantFactory()


def test_a_new_tenant_has_no_agents(tenant):
    assert tenant_agents(tenant=tenant) == []


def test_agents_come_in_catalogue_name_order(tenant):
    names = ["Pipeline Bot", "Follow-up Bot", "Triage Bot", "Booking Bot"]
    created = {name: TenantAgentFactory(tenant=tenant, agent_type=AgentTypeFactory(name=name)).pk for name in names}

    listed = tenant_agents(tenant=tenant)

    assert [agent.pk for agent in listed] == [created[name] for name in sorted(names)]


def test_status_filters_and_no_status_lists_all(tenant):
    statuses = [
        TenantAgent.Status.ACTIVE,
        TenantAgent.Status.PAUSED,
        TenantAgent.Status.PAUSED,
        TenantAgent.Status.RESTARTING,
    ]
    by_status: dict[str, set[int]] = {status: set() for status in TenantAgent.Status.values}
    for status in statuses:
        by_status[status].add(TenantAgentFactory(tenant=tenant, status=status).pk)

    for status in TenantAgent.Status.values:
        assert {agent.pk for agent in tenant_agents(tenant=tenant, status=status)} == by_status[status], status
    assert tenant_agents(tenant=tenant, status=TenantAgent.Status.ERROR) == []
    assert len(tenant_agents(tenant=tenant)) == 4


def test_each_tenant_sees_only_its_own_agents(tenant):
    other = TenantFactory()
    mine = TenantAgentFactory(tenant=tenant)
    theirs = TenantAgentFactory(tenant=other)

    assert [agent.pk for agent in tenant_agents(tenant=tenant)] == [mine.pk]
    assert [agent.pk for agent in tenant_agents(tenant=other)] == [theirs.pk]
    assert [agent.agent_type_id for agent in tenant_agents(tenant=tenant)] == [mine.agent_type_id]


def test_demo_tenant_lists_its_demo_agents(acme):
    expected_codes = set(TENANT_SHAPES["acme"][1])

    assert {agent.agent_type.code for agent in tenant_agents(tenant=acme)} == expected_codes


def test_one_query_with_the_catalogue_entries(tenant, django_assert_num_queries):
    for _ in range(3):
        TenantAgentFactory(tenant=tenant)

    # django-tenants' `SET search_path` into the tenant's schema, then one SELECT joining the catalogue.
    with django_assert_num_queries(2) as captured:
        names = [agent.agent_type.name for agent in tenant_agents(tenant=tenant)]

    assert captured.captured_queries[0]["sql"].startswith("SET search_path")
    assert len(names) == 3


def test_leaves_the_connection_in_the_callers_schema(tenant):
    other = TenantFactory()
    theirs = TenantAgentFactory(tenant=other)

    tenant_agents(tenant=other)
    assert connection.schema_name == "public"

    with tenant_context(tenant):
        assert [agent.pk for agent in tenant_agents(tenant=other)] == [theirs.pk]
        assert connection.schema_name == tenant.schema_name
        assert TenantAgent.objects.count() == 0  # back in `tenant`'s schema, which has no agents
