"""The agent catalogue (public schema) and a tenant's agents (its schema: pass `tenant=`)."""

from decimal import Decimal

import factory

from agents.models import AgentType, TenantAgent
from tenants.tests.factories import InTenantSchemaFactory


class AgentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentType

    code = factory.Sequence(lambda n: f"agent-type-{n}")
    name = factory.Sequence(lambda n: f"Agent Type {n:04d}")
    channels = factory.LazyFunction(lambda: ["email"])
    price_per_1k_tokens = Decimal("0.0100")


class TenantAgentFactory(InTenantSchemaFactory):
    """`TenantAgentFactory(tenant=acme)`: a new catalogue entry and the tenant's agent of it."""

    class Meta:
        model = TenantAgent

    agent_type = factory.SubFactory(AgentTypeFactory)
    status = TenantAgent.Status.ACTIVE
