"""What the agents API shows of an agent: rounded 30-day metrics; staff also see its configuration."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from agents.serializers import TenantAgentInternalSerializer, TenantAgentSerializer
from agents.tests.factories import AgentTypeFactory, TenantAgentFactory

REFRESHED = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


def an_agent(**fields):
    agent_type = AgentTypeFactory.build(
        code="sdr",
        name="SDR",
        description="Qualifies leads.",
        channels=["whatsapp"],
        price_per_1k_tokens=Decimal("0.0200"),
    )
    return TenantAgentFactory.build(
        pk=7,
        agent_type=agent_type,
        config={"model": "gpt", "api_key_ref": "x"},
        last_restart_reason="manual",
        **fields,
    )


def test_metrics_are_the_counters_with_rounded_average_and_success_rate():
    agent = an_agent(
        requests_30d=3,
        errors_30d=1,
        timeouts_30d=0,
        tokens_30d=4_321,
        avg_ms_30d=123.456,
        counters_refreshed_at=REFRESHED,
    )

    metrics = TenantAgentSerializer(agent).data["metrics_30d"]

    assert metrics == {
        "requests": 3,
        "errors": 1,
        "timeouts": 0,
        "tokens": 4_321,
        "avg_ms": 123.5,
        "success_rate": 0.6667,  # 2 of 3, to four places
        "refreshed_at": REFRESHED,
    }


def test_metrics_of_an_agent_without_requests_are_empty_not_zero():
    metrics = TenantAgentSerializer(an_agent()).data["metrics_30d"]

    assert metrics["requests"] == 0
    assert metrics["avg_ms"] is None
    assert metrics["success_rate"] is None
    assert metrics["refreshed_at"] is None


def test_the_tenants_view_leaves_out_configuration():
    data = TenantAgentSerializer(an_agent()).data

    assert set(data) == {"id", "agent_type", "status", "enabled_at", "restart_count", "last_request_at", "metrics_30d"}
    assert data["agent_type"] == {
        "code": "sdr",
        "name": "SDR",
        "description": "Qualifies leads.",
        "channels": ["whatsapp"],
        "price_per_1k_tokens": "0.0200",
    }


def test_staff_also_see_configuration_and_restart_reason():
    data = TenantAgentInternalSerializer(an_agent()).data

    assert data["config"] == {"model": "gpt", "api_key_ref": "x"}
    assert data["last_restart_reason"] == "manual"
    assert data["metrics_30d"] == TenantAgentSerializer(an_agent()).data["metrics_30d"]


@pytest.mark.parametrize(("price", "shown"), [(Decimal("0.02"), "0.0200"), (Decimal("1.5"), "1.5000")])
def test_price_is_shown_with_four_decimal_places(price, shown):
    agent_type = AgentTypeFactory.build(price_per_1k_tokens=price)

    assert (
        TenantAgentSerializer(TenantAgentFactory.build(agent_type=agent_type)).data["agent_type"]["price_per_1k_tokens"]
        == shown
    )
