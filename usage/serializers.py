"""The usage API's bodies: the ingestion request, and the reads it answers (usage/selectors.py builds them).

Cost figures are left out for callers who may not see billing (accounts/cost_visibility.py), so
each one is optional.
"""

from django.conf import settings
from rest_framework import serializers

from tenants.serializers import BILLING_ONLY, MonthToDateSerializer, TenantMeSerializer
from usage.ingest import AgentRequestRowSerializer
from usage.selectors import PERIODS


def money(**kwargs) -> serializers.DecimalField:
    """An amount as the JSON carries it: a decimal string with two places, e.g. "12.50"."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def cost() -> serializers.DecimalField:
    return money(required=False, help_text=BILLING_ONLY)


def rate(**kwargs) -> serializers.FloatField:
    return serializers.FloatField(min_value=0, max_value=1, **kwargs)


class AgentRequestsIngestSerializer(serializers.Serializer):
    requests = AgentRequestRowSerializer(
        many=True,
        allow_empty=False,
        max_length=settings.INGEST_MAX_ROWS,
        help_text="The served requests, validated all or nothing.",
    )


class IngestResultSerializer(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="Rows stored.")
    duplicates = serializers.IntegerField(help_text="Rows skipped: their `event_id` was already stored.")


class TenantMeResponseSerializer(TenantMeSerializer):
    month = MonthToDateSerializer()

    class Meta(TenantMeSerializer.Meta):
        fields = [*TenantMeSerializer.Meta.fields, "month"]


class FiguresSerializer(serializers.Serializer):
    requests = serializers.IntegerField()
    successes = serializers.IntegerField()
    errors = serializers.IntegerField()
    timeouts = serializers.IntegerField()
    tokens_in = serializers.IntegerField()
    tokens_out = serializers.IntegerField()
    tokens = serializers.IntegerField()
    cost = cost()
    success_rate = rate(allow_null=True, help_text="null without requests.")
    error_rate = rate(allow_null=True, help_text="Errors and timeouts per request; null without requests.")
    avg_ms = serializers.FloatField(allow_null=True)


class UsageDaySerializer(FiguresSerializer):
    day = serializers.DateField()
    live = serializers.BooleanField(help_text="Today: counted live from raw rows.")


class UsageTotalsSerializer(FiguresSerializer):
    p50_ms = serializers.FloatField(allow_null=True)
    p95_ms = serializers.FloatField(allow_null=True)


class TenantUsageSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=list(PERIODS))
    agent = serializers.CharField(allow_null=True, help_text="The agent type code filtered on, or null.")
    start = serializers.DateField()
    end = serializers.DateField()
    series = UsageDaySerializer(many=True)
    totals = UsageTotalsSerializer()


class OverviewTotalsSerializer(serializers.Serializer):
    requests = serializers.IntegerField()
    errors = serializers.IntegerField()
    timeouts = serializers.IntegerField()
    tokens = serializers.IntegerField()
    cost = cost()
    error_rate = rate(allow_null=True)


class TenantRefSerializer(serializers.Serializer):
    tenant_id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()


class TenantByRequestsSerializer(TenantRefSerializer):
    requests = serializers.IntegerField()


class TenantByTokensSerializer(TenantRefSerializer):
    tokens = serializers.IntegerField()


class TenantByErrorRateSerializer(TenantRefSerializer):
    error_rate = rate()


class AgentFiguresSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    requests = serializers.IntegerField()
    tokens = serializers.IntegerField()
    error_rate = rate()


class OverviewDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    requests = serializers.IntegerField()
    failures = serializers.IntegerField(help_text="Errors and timeouts.")


class UsageOverviewSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=list(PERIODS))
    start = serializers.DateField()
    end = serializers.DateField()
    totals = OverviewTotalsSerializer()
    top_tenants_by_requests = TenantByRequestsSerializer(many=True)
    top_tenants_by_tokens = TenantByTokensSerializer(many=True)
    top_tenants_by_error_rate = TenantByErrorRateSerializer(many=True)
    top_agents = AgentFiguresSerializer(many=True)
    series = OverviewDaySerializer(many=True)


class TenantBillingSerializer(TenantRefSerializer):
    plan = serializers.CharField(help_text="The plan's code.")
    monthly_price = money()
    tokens = serializers.IntegerField()
    token_limit = serializers.IntegerField()
    usage_cost = money()
    overage = money()
    revenue = money(help_text="The monthly price plus the token overage.")


class PlanRevenueSerializer(serializers.Serializer):
    plan = serializers.CharField(help_text="The plan's code.")
    name = serializers.CharField()
    tenants = serializers.IntegerField()
    revenue = money()


class BillingOverviewSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM (UTC).")
    mrr = money()
    overage_total = money()
    usage_cost_total = money()
    tenants = TenantBillingSerializer(many=True)
    top_by_revenue = TenantBillingSerializer(many=True)
    revenue_by_plan = PlanRevenueSerializer(many=True)
