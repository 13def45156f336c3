from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from usage.latency import BUCKET_COUNT


class AgentRequest(models.Model):
    """One request an agent served (tenant schema, high volume). Purged after the plan's retention."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        ERROR = "error", "Error"
        TIMEOUT = "timeout", "Timeout"

    agent = models.ForeignKey("agents.TenantAgent", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=20, blank=True)
    error_code = models.CharField(max_length=60, blank=True)
    # The client's id for the event; a resent one is ignored (unique per tenant when given).
    event_id = models.CharField(max_length=100, blank=True, default="", db_default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event_id"], condition=~Q(event_id=""), name="agentrequest_event_unique")
        ]
        indexes = [
            models.Index(fields=["started_at"], name="agentrequest_started"),
            models.Index(fields=["agent", "started_at"], name="agentrequest_agent_started"),
            models.Index(fields=["channel", "-started_at"], name="agentrequest_channel_recent"),
        ]

    def __str__(self):
        return f"request {self.pk} {self.outcome}"


class UsageDirtyDay(models.Model):
    """A UTC day with raw requests ingested since its last roll-up (tenant schema).

    Ingestion marks the days it touched; the scheduled roll-up rolls them and clears them, so
    requests reported late still reach UsageDaily; retention never purges a dirty day.
    """

    day = models.DateField(primary_key=True)
    marked_at = models.DateTimeField()

    def __str__(self):
        return f"dirty {self.day}"


class UsageDaily(models.Model):
    """One tenant's use of one agent type on one UTC day (public schema), from the roll-up.

    `latency_hist` counts requests per fixed latency bucket (usage.latency), so percentiles
    over any range are computed from summed histograms, not by averaging daily percentiles.
    """

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    agent_type = models.ForeignKey("agents.AgentType", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    requests = models.PositiveBigIntegerField(default=0)
    successes = models.PositiveBigIntegerField(default=0)
    errors = models.PositiveBigIntegerField(default=0)
    timeouts = models.PositiveBigIntegerField(default=0)
    avg_ms = models.FloatField(default=0)
    p95_ms = models.FloatField(default=0)
    tokens_in = models.PositiveBigIntegerField(default=0)
    tokens_out = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    latency_hist = ArrayField(models.BigIntegerField(), size=BUCKET_COUNT)
    rolled_up_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "agent_type", "day"], name="usage_daily_unique")]
        indexes = [
            models.Index(fields=["day"], name="usagedaily_day"),
            models.Index(fields=["tenant", "day"], name="usagedaily_tenant_day"),
        ]

    def __str__(self):
        return f"{self.tenant_id}/{self.agent_type_id}/{self.day}"
