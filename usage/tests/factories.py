"""Daily roll-up rows (public schema) and raw agent requests (tenant schema: pass `tenant=`)."""

from datetime import UTC, date, datetime

import factory
from django.utils import timezone

from agents.tests.factories import AgentTypeFactory, TenantAgentFactory
from tenants.tests.factories import InTenantSchemaFactory, TenantRowFactory
from usage.latency import BUCKET_COUNT
from usage.models import AgentRequest, UsageDaily


class UsageDailyFactory(factory.django.DjangoModelFactory):
    """`requests` defaults to successes + errors + timeouts; the histogram to all zeros."""

    class Meta:
        model = UsageDaily

    tenant = factory.SubFactory(TenantRowFactory)
    agent_type = factory.SubFactory(AgentTypeFactory)
    day = factory.Sequence(lambda n: date.fromordinal(date(2026, 1, 1).toordinal() + n))
    successes = 90
    errors = 7
    timeouts = 3
    requests = factory.LazyAttribute(lambda row: row.successes + row.errors + row.timeouts)
    avg_ms = 800.0
    p95_ms = 2000.0
    tokens_in = 10_000
    tokens_out = 4_000
    latency_hist = factory.LazyFunction(lambda: [0] * BUCKET_COUNT)
    rolled_up_at = factory.LazyFunction(timezone.now)


class AgentRequestFactory(InTenantSchemaFactory):
    """`AgentRequestFactory(tenant=acme, agent=agent)`; without `agent`, a new agent in that tenant."""

    class Meta:
        model = AgentRequest

    agent = factory.SubFactory(TenantAgentFactory, tenant=factory.SelfAttribute("..tenant"))
    started_at = factory.LazyFunction(lambda: datetime(2026, 1, 1, 12, tzinfo=UTC))
    duration_ms = 500
    outcome = AgentRequest.Outcome.SUCCESS
    tokens_in = 100
    tokens_out = 50
    channel = "email"
