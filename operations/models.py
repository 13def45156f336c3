from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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

    class Notification(models.TextChoices):
        NONE = "", _("Not mailed")
        SENDING = "sending", _("Mailing")
        SENT = "sent", _("Mailed")
        UNCERTAIN = "uncertain", _("Maybe mailed")

    # When the people it concerns were e-mailed (quota alerts): the durable "sent" mark a lost task is swept by.
    notified_at = models.DateTimeField(null=True, blank=True)
    # The e-mail's state: claimed (sending, committed before the mail server is contacted), sent, or maybe
    # sent (the server did not confirm in time): a maybe-sent alert is not mailed again unless a person says so.
    notification = models.CharField(max_length=10, choices=Notification.choices, blank=True, default="")
    notification_started_at = models.DateTimeField(null=True, blank=True)

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
