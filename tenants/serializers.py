from rest_framework import serializers

from tenants.models import Plan, Tenant


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = [
            "code",
            "name",
            "monthly_price",
            "requests_per_month",
            "tokens_per_month",
            "max_agents",
            "max_integrations",
            "overage_price_per_1k_tokens",
        ]


class TenantMeSerializer(serializers.ModelSerializer):
    plan = PlanSerializer()

    class Meta:
        model = Tenant
        fields = ["id", "slug", "name", "status", "sla", "plan", "created_at"]
