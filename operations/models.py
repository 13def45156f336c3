from django.conf import settings
from django.db import models


class OperationalEvent(models.Model):
    """The audit log: who did what, to which tenant and object, when. Append-only.

    A database trigger refuses UPDATE and DELETE, so not even a bug or a shell can
    rewrite history; retention purges of other tables never cascade here (SET_NULL).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too: the event must still say who it was after the user is deleted.
    actor_email = models.CharField(max_length=254, blank=True)
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Kept as text too: the event must still say which tenant after the tenant is deleted.
    tenant_slug = models.CharField(max_length=63, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=80, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"]),
            models.Index(fields=["actor", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email or 'system'} {self.action}"


class Incident(models.Model):
    """Something wrong with a tenant that people should look at (public schema).

    `dedupe_key` makes automatic incidents idempotent: the roll-up may run twice for a day
    and still open one incident per (tenant, key).
    """

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="incidents")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.OPEN, db_index=True)
    source = models.CharField(max_length=40)
    dedupe_key = models.CharField(max_length=200, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the people it concerns were e-mailed (quota alerts): the durable "sent" mark a lost task is swept by.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "dedupe_key"], condition=~models.Q(dedupe_key=""), name="incident_dedupe_per_tenant"
            )
        ]
        indexes = [models.Index(fields=["tenant", "status", "-opened_at"], name="incident_tenant_status")]

    def __str__(self):
        return self.title


from operations.commands_models import Command, CommandBatch, CommandStatus, CommandType  # noqa: E402,F401
