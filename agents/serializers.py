from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.models import AgentType, TenantAgent


class AgentTypeSerializer(serializers.ModelSerializer):
    channels = serializers.ListField(child=serializers.CharField(), help_text="The channels the agent serves.")

    class Meta:
        model = AgentType
        fields = ["code", "name", "description", "channels", "price_per_1k_tokens"]
        extra_kwargs = {
            "price_per_1k_tokens": {"required": False, "help_text": "Billing: shown to those who may see cost only."}
        }


class AgentMetricsSerializer(serializers.Serializer):
    """The agent's last 30 days, as of the last counters refresh."""

    requests = serializers.IntegerField()
    errors = serializers.IntegerField()
    timeouts = serializers.IntegerField()
    tokens = serializers.IntegerField()
    avg_ms = serializers.FloatField(allow_null=True, help_text="Null without requests.")
    success_rate = serializers.FloatField(allow_null=True, help_text="0–1, four decimals; null without requests.")
    refreshed_at = serializers.DateTimeField(allow_null=True, help_text="Null until the first refresh.")


class TenantAgentSerializer(serializers.ModelSerializer):
    agent_type = AgentTypeSerializer()
    metrics_30d = serializers.SerializerMethodField()

    class Meta:
        model = TenantAgent
        fields = ["id", "agent_type", "status", "enabled_at", "restart_count", "last_request_at", "metrics_30d"]

    @extend_schema_field(AgentMetricsSerializer)
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

    config = serializers.DictField(child=serializers.JSONField(), help_text="The agent's configuration as stored.")

    class Meta(TenantAgentSerializer.Meta):
        fields = [*TenantAgentSerializer.Meta.fields, "config", "last_restart_reason"]
