import uuid

from django.conf import settings
from django.db import models


class CommandType(models.TextChoices):
    HEALTH_CHECK = "HEALTH_CHECK", "Health check"
    RESET_TOKEN = "RESET_TOKEN", "Reset integration token"
    RESTART_AGENT = "RESTART_AGENT", "Restart agent"
    REPROCESS_QUEUE = "REPROCESS_QUEUE", "Reprocess failed queue"


class CommandStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    RUNNING = "RUNNING", "Running"
    SUCCESS = "SUCCESS", "Success"
    ERROR = "ERROR", "Error"
    CANCELLED = "CANCELLED", "Cancelled"


FINISHED = (CommandStatus.SUCCESS, CommandStatus.ERROR, CommandStatus.CANCELLED)


class CommandBatch(models.Model):
    """One command type run for several tenants, at most `concurrency` at a time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=20, choices=CommandType.choices)
    parameters = models.JSONField(default=dict, blank=True)
    concurrency = models.PositiveIntegerField(default=5)
    selection = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.type} batch {self.id}"


class Command(models.Model):
    """An asynchronous operational command on one tenant (public schema)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="commands")
    type = models.CharField(max_length=20, choices=CommandType.choices)
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=CommandStatus.choices, default=CommandStatus.PENDING, db_index=True
    )
    progress_percent = models.PositiveSmallIntegerField(default=0)
    progress_message = models.CharField(max_length=300, blank=True)
    output = models.JSONField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True, db_index=True)
    # sha256 of (tenant, type, parameters): a key reused for a different request is refused, not answered.
    request_fingerprint = models.CharField(max_length=64, blank=True)
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries")
    batch = models.ForeignKey(CommandBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="commands")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"], name="command_tenant_recent"),
            models.Index(fields=["status", "started_at"], name="command_status_started"),
        ]

    def __str__(self):
        return f"{self.type} on {self.tenant_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
