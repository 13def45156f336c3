"""The agents' 30-day counters: written by the roll-up from raw requests, read by tenant_agents.

Expected values are computed here in Python from the requests the test creates.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from agents.selectors import tenant_agents
from agents.serializers import TenantAgentSerializer
from agents.tests.factories import AgentTypeFactory, TenantAgentFactory
from tenants.tests.factories import TenantFactory
from usage.models import AgentRequest
from usage.rollup import rollup_tenant
from usage.tests.factories import AgentRequestFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 31)
SINCE = TODAY - timedelta(days=30)  # counters cover the days after this one


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def expected_counters(requests: list[dict]) -> dict:
    counted = [r for r in requests if r["started_at"].date() > SINCE]
    durations = [r["duration_ms"] for r in counted]
    return {
        "requests_30d": len(counted),
        "errors_30d": sum(r["outcome"] == AgentRequest.Outcome.ERROR for r in counted),
        "timeouts_30d": sum(r["outcome"] == AgentRequest.Outcome.TIMEOUT for r in counted),
        "tokens_30d": sum(r["tokens_in"] + r["tokens_out"] for r in counted),
        "avg_ms_30d": sum(durations) / len(durations) if durations else None,
        "last_request_at": max((r["started_at"] for r in requests), default=None),
    }


def test_rollup_counts_the_last_30_days_per_agent():
    tenant = TenantFactory()
    busy = TenantAgentFactory(tenant=tenant, agent_type=AgentTypeFactory(name="A Busy"))
    steady = TenantAgentFactory(tenant=tenant, agent_type=AgentTypeFactory(name="B Steady"))
    idle = TenantAgentFactory(tenant=tenant, agent_type=AgentTypeFactory(name="C Idle"))
    requests = {
        busy.pk: [
            dict(started_at=at(SINCE, 9), duration_ms=9_000, outcome="success", tokens_in=1_000, tokens_out=1_000),
            dict(
                started_at=at(SINCE + timedelta(days=1), 8),
                duration_ms=100,
                outcome="success",
                tokens_in=100,
                tokens_out=50,
            ),
            dict(
                started_at=at(SINCE + timedelta(days=1), 9),
                duration_ms=300,
                outcome="error",
                tokens_in=10,
                tokens_out=5,
            ),
            dict(started_at=at(TODAY, 10), duration_ms=3_000, outcome="timeout", tokens_in=7, tokens_out=0),
        ],
        steady.pk: [
            dict(
                started_at=at(TODAY - timedelta(days=2), 12),
                duration_ms=200,
                outcome="success",
                tokens_in=40,
                tokens_out=60,
            ),
            dict(
                started_at=at(TODAY - timedelta(days=1), 12),
                duration_ms=450,
                outcome="success",
                tokens_in=20,
                tokens_out=30,
            ),
        ],
        idle.pk: [],
    }
    agents = {busy.pk: busy, steady.pk: steady, idle.pk: idle}
    for agent_pk, rows in requests.items():
        for row in rows:
            AgentRequestFactory(tenant=tenant, agent=agents[agent_pk], **row)

    rollup_tenant(tenant=tenant, start=SINCE, end=TODAY, today=TODAY)
    listed = tenant_agents(tenant=tenant)

    assert [agent.pk for agent in listed] == [busy.pk, steady.pk, idle.pk]
    for agent in listed:
        expected = expected_counters(requests[agent.pk])
        expected_avg = expected.pop("avg_ms_30d")
        assert {name: getattr(agent, name) for name in expected} == expected, agent.pk
        assert agent.avg_ms_30d == (pytest.approx(expected_avg) if expected_avg is not None else None), agent.pk
        assert agent.counters_refreshed_at is not None


def test_api_metrics_of_rolled_up_agents():
    tenant = TenantFactory()
    agent = TenantAgentFactory(tenant=tenant)
    outcomes = ["success", "success", "error", "timeout", "success", "success"]
    durations = [120, 80, 1_000, 3_000, 200, 101]
    for index, (outcome, duration) in enumerate(zip(outcomes, durations, strict=True)):
        AgentRequestFactory(
            tenant=tenant,
            agent=agent,
            started_at=at(TODAY, index),
            outcome=outcome,
            duration_ms=duration,
            tokens_in=10 * index,
            tokens_out=1,
        )

    rollup_tenant(tenant=tenant, start=TODAY, end=TODAY, today=TODAY)
    (listed,) = tenant_agents(tenant=tenant)
    metrics = TenantAgentSerializer(listed).data["metrics_30d"]

    assert metrics["requests"] == 6
    assert metrics["errors"] == 1
    assert metrics["timeouts"] == 1
    assert metrics["tokens"] == sum(10 * index + 1 for index in range(6))
    assert metrics["avg_ms"] == round(sum(durations) / 6, 1)
    assert metrics["success_rate"] == round(4 / 6, 4)
