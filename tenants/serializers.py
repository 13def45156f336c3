from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.serializers import IntegrationSerializer
from operations.serializers import IncidentSerializer
from tenants.models import Backup, Plan, ProvisioningRun, Tenant

BILLING_ONLY = "Billing: shown to those who may see cost only."


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
        extra_kwargs = {
            "monthly_price": {"required": False, "help_text": BILLING_ONLY},
            "overage_price_per_1k_tokens": {"required": False, "help_text": BILLING_ONLY},
        }


class TenantMeSerializer(serializers.ModelSerializer):
    plan = PlanSerializer(allow_null=True)

    class Meta:
        model = Tenant
        fields = ["id", "slug", "name", "status", "sla", "plan", "created_at"]


class UsageAgainstLimitSerializer(serializers.Serializer):
    used = serializers.IntegerField()
    limit = serializers.IntegerField(allow_null=True, help_text="The plan's monthly limit; null without a plan.")
    percent = serializers.FloatField(allow_null=True, help_text="used × 100 / limit, one decimal; null without one.")


class MonthUsageSerializer(serializers.Serializer):
    requests = UsageAgainstLimitSerializer()
    tokens = UsageAgainstLimitSerializer()


class MonthToDateSerializer(serializers.Serializer):
    """This UTC month so far (today live) against the plan's limits."""

    month = serializers.CharField(help_text="YYYY-MM")
    usage = MonthUsageSerializer()
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, help_text=BILLING_ONLY)
    success_rate = serializers.FloatField(allow_null=True, help_text="0–1, four decimals; null without requests.")
    avg_ms = serializers.FloatField(allow_null=True, help_text="Null without requests.")


class TenantOwnerSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()
    squad = serializers.CharField()


class InternalTenantDetailSerializer(TenantMeSerializer):
    owner = TenantOwnerSerializer()
    settings = serializers.DictField(child=serializers.JSONField(), help_text="The tenant's settings as stored.")
    month = MonthToDateSerializer()
    integrations = IntegrationSerializer(many=True)
    open_incidents = IncidentSerializer(many=True, help_text="The 20 most recent open incidents.")

    class Meta(TenantMeSerializer.Meta):
        fields = [*TenantMeSerializer.Meta.fields, "owner", "settings", "month", "integrations", "open_incidents"]


class InternalTenantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=Tenant.Status.choices)
    plan = serializers.CharField(source="plan.code", default=None, allow_null=True)
    owner_name = serializers.CharField()
    owner_email = serializers.EmailField()
    owner_squad = serializers.CharField()
    sla = serializers.ChoiceField(choices=Tenant.Sla.choices)
    created_at = serializers.DateTimeField()
    requests_30d = serializers.IntegerField()
    error_rate_30d = serializers.SerializerMethodField()
    open_incidents = serializers.IntegerField()

    def get_error_rate_30d(self, tenant) -> float | None:
        return round(tenant.failures_30d / tenant.requests_30d, 4) if tenant.requests_30d else None


class TenantStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    status = serializers.ChoiceField(choices=Tenant.Status.choices)


class ProvisioningStepSerializer(serializers.Serializer):
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=["pending", "running", "done", "failed"])
    log = serializers.ListField(child=serializers.CharField())
    started_at = serializers.DateTimeField(required=False)
    finished_at = serializers.DateTimeField(required=False)
    seconds = serializers.FloatField(required=False)
    numbers = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text="The step's figures (counts, checked limits)."
    )


@extend_schema_field(ProvisioningStepSerializer(many=True))
class ProvisioningStepsField(serializers.JSONField):
    """The steps exactly as the run stores them."""


class ProvisioningRunSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code")
    requested_by = serializers.EmailField(source="requested_by.email", default=None, allow_null=True)
    tenant_id = serializers.IntegerField(allow_null=True)
    steps = ProvisioningStepsField()

    class Meta:
        model = ProvisioningRun
        fields = [
            "id",
            "slug",
            "name",
            "plan",
            "owner_name",
            "owner_email",
            "sla",
            "status",
            "steps",
            "error",
            "failed_step",
            "tenant_id",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]


class BackupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Backup
        fields = ["id", "kind", "tenant_slug", "location", "size_bytes", "verified", "entries", "created_at"]


class SecretSerializer(serializers.Serializer):
    """A platform secret's metadata; never its value."""

    name = serializers.CharField()
    version = serializers.IntegerField()
    tags = serializers.DictField(child=serializers.CharField())
    created_at = serializers.DateTimeField(allow_null=True)


class SecretRotatedSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.IntegerField(help_text="The new current version.")
