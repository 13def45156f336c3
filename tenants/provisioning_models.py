import uuid

from django.conf import settings
from django.db import models


class ProvisioningRun(models.Model):
    """One attempt to provision a tenant, with every step's status, timings, numbers and log lines."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=40, db_index=True)
    name = models.CharField(max_length=200)
    plan = models.ForeignKey("tenants.Plan", on_delete=models.PROTECT, related_name="+")
    owner_name = models.CharField(max_length=200)
    owner_email = models.EmailField()
    owner_squad = models.CharField(max_length=100, blank=True)
    sla = models.CharField(max_length=20)
    contacts = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    steps = models.JSONField(default=list)
    error = models.TextField(blank=True)
    failed_step = models.CharField(max_length=40, blank=True)
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"provisioning {self.slug} ({self.status})"


class SecretRotation(models.Model):
    """History of credential rotations: who, when, which secret, which version — never a value."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    secret_name = models.CharField(max_length=255)
    version = models.PositiveIntegerField()
    requested_by = models.CharField(max_length=254)
    reason = models.CharField(max_length=40, default="on demand")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.secret_name} v{self.version}"


class Backup(models.Model):
    """A pg_dump taken and verified (pg_restore --list), local or in S3."""

    class Kind(models.TextChoices):
        FULL = "full", "Whole database"
        TENANT = "tenant", "One tenant"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tenant_slug = models.SlugField(max_length=40, blank=True)
    location = models.CharField(max_length=500, help_text="file path, or s3://bucket/key")
    size_bytes = models.PositiveBigIntegerField(default=0)
    verified = models.BooleanField(default=False)
    entries = models.PositiveIntegerField(default=0, help_text="objects listed by pg_restore --list")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} backup {self.created_at:%Y-%m-%d %H:%M}"
