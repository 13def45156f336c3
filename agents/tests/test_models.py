"""The catalogue's and a tenant agent's rules: one agent per type per tenant, prices not negative."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from agents.models import TenantAgent
from agents.tests.factories import AgentTypeFactory, TenantAgentFactory
from tenants.tests.factories import TenantFactory


@pytest.mark.django_db
def test_a_tenant_contracts_each_agent_type_once():
    tenant = TenantFactory()
    agent_type = AgentTypeFactory()
    TenantAgentFactory(tenant=tenant, agent_type=agent_type)

    with pytest.raises(IntegrityError, match="tenant_agent_one_per_type"), transaction.atomic():
        TenantAgentFactory(tenant=tenant, agent_type=agent_type)

    with tenant_context(tenant):
        assert TenantAgent.objects.filter(agent_type=agent_type).count() == 1


@pytest.mark.django_db
def test_two_tenants_may_contract_the_same_agent_type():
    agent_type = AgentTypeFactory()
    first, second = TenantFactory(), TenantFactory()

    TenantAgentFactory(tenant=first, agent_type=agent_type)
    TenantAgentFactory(tenant=second, agent_type=agent_type)

    for tenant in (first, second):
        with tenant_context(tenant):
            assert list(TenantAgent.objects.values_list("agent_type_id", flat=True)) == [agent_type.pk]


@pytest.mark.django_db
def test_a_new_agent_starts_active_with_empty_counters():
    tenant = TenantFactory()
    agent_type = AgentTypeFactory()
    with tenant_context(tenant):
        agent = TenantAgent.objects.create(agent_type=agent_type)
        agent.refresh_from_db()

    assert agent.status == TenantAgent.Status.ACTIVE
    assert (agent.requests_30d, agent.errors_30d, agent.timeouts_30d, agent.tokens_30d) == (0, 0, 0, 0)
    assert agent.avg_ms_30d is None
    assert agent.counters_refreshed_at is None
    assert agent.enabled_at is not None


@pytest.mark.django_db
def test_agent_type_price_may_not_be_negative():
    agent_type = AgentTypeFactory.build(code="negative", name="Negative", price_per_1k_tokens=Decimal("-0.0001"))

    with pytest.raises(ValidationError) as refused:
        agent_type.full_clean()

    assert set(refused.value.message_dict) == {"price_per_1k_tokens"}


@pytest.mark.django_db
def test_agent_type_price_of_zero_is_allowed():
    AgentTypeFactory.build(code="free", name="Free", price_per_1k_tokens=Decimal("0")).full_clean()


@pytest.mark.parametrize(
    ("requests", "errors", "timeouts", "expected"),
    [
        (0, 0, 0, None),
        (100, 7, 3, 0.9),
        (8, 0, 0, 1.0),
        (4, 3, 1, 0.0),
        (3, 1, 0, 2 / 3),
    ],
)
def test_success_rate_is_the_share_neither_failed_nor_timed_out(requests, errors, timeouts, expected):
    agent = TenantAgentFactory.build(requests_30d=requests, errors_30d=errors, timeouts_30d=timeouts)

    assert agent.success_rate_30d == expected
