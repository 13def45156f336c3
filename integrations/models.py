from django.db import models


class Integration(models.Model):
    """A tenant's connection to an outside channel (tenant schema). Its credential lives in the
    secret store; this row keeps only the secret's name and version."""

    class Kind(models.TextChoices):
        WHATSAPP = "whatsapp", "WhatsApp"
        EMAIL = "email", "E-mail"
        CALENDAR = "calendar", "Calendar"
        CRM = "crm", "CRM"
        WEBHOOK = "webhook", "Webhook"

    class Status(models.TextChoices):
        OK = "ok", "OK"
        DEGRADED = "degraded", "Degraded"
        DOWN = "down", "Down"
        REAUTH_REQUIRED = "reauth_required", "Reauthorization required"
        DISABLED = "disabled", "Disabled"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=120)
    # Non-secret settings of the channel, e.g. WhatsApp's {"phone_number_id": "…"} (the sending number).
    config = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OK)
    last_check_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    secret_ref = models.CharField(max_length=255, blank=True, help_text="Name in the secret store; never the secret.")
    token_version = models.PositiveIntegerField(default=1)
    # Requests that started before this were made with the old token; health ignores them.
    token_rotated_at = models.DateTimeField(null=True, blank=True)
    consecutive_auth_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.name}"
