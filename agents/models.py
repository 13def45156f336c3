from django.core.validators import MinValueValidator
from django.db import models


class AgentType(models.Model):
    """The catalogue of agents the company sells (public schema)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    channels = models.JSONField(default=list)
    price_per_1k_tokens = models.DecimalField(max_digits=10, decimal_places=4, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TenantAgent(models.Model):
    """An agent a tenant contracts (tenant schema), with counters refreshed by the nightly roll-up."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        RESTARTING = "restarting", "Restarting"
        ERROR = "error", "Error"

    agent_type = models.ForeignKey(AgentType, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    config = models.JSONField(default=dict, blank=True)
    enabled_at = models.DateTimeField(auto_now_add=True)
    restart_count = models.PositiveIntegerField(default=0)
    last_restart_reason = models.CharField(max_length=300, blank=True)
    last_request_at = models.DateTimeField(null=True, blank=True)
    requests_30d = models.PositiveBigIntegerField(default=0)
    errors_30d = models.PositiveBigIntegerField(default=0)
    timeouts_30d = models.PositiveBigIntegerField(default=0)
    tokens_30d = models.PositiveBigIntegerField(default=0)
    avg_ms_30d = models.FloatField(null=True, blank=True)
    counters_refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agent_type__name"]
        constraints = [models.UniqueConstraint(fields=["agent_type"], name="tenant_agent_one_per_type")]

    def __str__(self):
        return f"agent {self.agent_type_id}"

    @property
    def success_rate_30d(self) -> float | None:
        if not self.requests_30d:
            return None
        return (self.requests_30d - self.errors_30d - self.timeouts_30d) / self.requests_30d
