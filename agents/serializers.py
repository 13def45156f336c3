from rest_framework import serializers

from agents.models import AgentType, TenantAgent


class AgentTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgentType
        fields = ["code", "name", "description", "channels", "price_per_1k_tokens"]


class TenantAgentSerializer(serializers.ModelSerializer):
    agent_type = AgentTypeSerializer()
    metrics_30d = serializers.SerializerMethodField()

    class Meta:
        model = TenantAgent
        fields = ["id", "agent_type", "status", "enabled_at", "restart_count", "last_request_at", "metrics_30d"]

    def get_metrics_30d(self, agent) -> dict:
        return {
            "requests": agent.requests_30d,
            "errors": agent.errors_30d,
            "timeouts": agent.timeouts_30d,
            "tokens": agent.tokens_30d,
            "avg_ms": round(agent.avg_ms_30d, 1) if agent.avg_ms_30d is not None else None,
            "success_rate": round(agent.success_rate_30d, 4) if agent.success_rate_30d is not None else None,
            "refreshed_at": agent.counters_refreshed_at,
        }


class TenantAgentInternalSerializer(TenantAgentSerializer):
    """Staff also see the agent's configuration."""

    class Meta(TenantAgentSerializer.Meta):
        fields = [*TenantAgentSerializer.Meta.fields, "config", "last_restart_reason"]
