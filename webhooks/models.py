"""Outbound webhooks: endpoints that clients register, and every delivery of an event to one of them."""

import uuid

from django.conf import settings
from django.db import models

EVENT_TYPES = (
    ("command.finished", "A command finished (SUCCESS or ERROR)"),
    ("provisioning.finished", "A provisioning run finished (succeeded or failed)"),
    ("incident.opened", "An incident was opened"),
    ("incident.resolved", "An incident was resolved"),
    ("dispatch_run.finished", "A lead-dispatch run finished"),
    ("quota.threshold", "80, 90 or 100 % of a monthly plan limit reached"),
)


class WebhookEndpoint(models.Model):
    """A URL that receives signed events: a tenant's (set by its admins) or the company's (tenant null)."""

    tenant = models.ForeignKey(
        settings.TENANT_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint: attempted until a 2xx, with backoff, then left failed (re-deliverable)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"
