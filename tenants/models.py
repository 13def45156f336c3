from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import get_public_schema_name


class Plan(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    monthly_price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(0)])
    requests_per_month = models.PositiveBigIntegerField()
    tokens_per_month = models.PositiveBigIntegerField()
    max_agents = models.PositiveIntegerField()
    max_integrations = models.PositiveIntegerField()
    overage_price_per_1k_tokens = models.DecimalField(
        max_digits=10, decimal_places=4, validators=[MinValueValidator(0)]
    )
    raw_retention_days = models.PositiveIntegerField(default=35)
    # Rate limits (core/ratelimit.py): API requests a minute for the whole tenant, rows ingested a minute.
    api_requests_per_minute = models.PositiveIntegerField(
        _("API requests per minute"), default=600, validators=[MinValueValidator(1)]
    )
    ingest_rows_per_minute = models.PositiveIntegerField(
        _("ingested rows per minute"), default=60_000, validators=[MinValueValidator(1)]
    )
    quota_hard = models.BooleanField(
        _("hard monthly quota"),
        default=False,
        help_text=_("Refuse ingestion once the month's requests are used; otherwise only alert."),
    )
    default_agents = models.JSONField(default=list, blank=True, help_text="Agent type codes a new tenant starts with")

    class Meta:
        ordering = ["monthly_price", "code"]

    def __str__(self):
        return self.name


class TenantQuerySet(models.QuerySet):
    def customers(self):
        """Every tenant but the public one, which only carries the public host."""
        return self.exclude(schema_name=get_public_schema_name())

    def with_schema(self):
        """Customer tenants whose schema exists and may be read: active or suspended."""
        return self.customers().filter(status__in=Tenant.SCHEMA_STATUSES)


class Tenant(TenantMixin):
    class Status(models.TextChoices):
        PROVISIONING = "provisioning", "Provisioning"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        ARCHIVED = "archived", "Archived"

    class Sla(models.TextChoices):
        STANDARD = "standard", "Standard (business hours)"
        PRIORITY = "priority", "Priority (12×5)"
        CRITICAL = "critical", "Critical (24×7)"

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROVISIONING, db_index=True)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="tenants")
    settings = models.JSONField(default=dict, blank=True)
    owner_name = models.CharField(max_length=200, blank=True)
    owner_email = models.EmailField(blank=True)
    owner_squad = models.CharField(max_length=100, blank=True)
    sla = models.CharField(max_length=20, choices=Sla.choices, default=Sla.STANDARD)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    # Schemas are created and dropped by tenants.services, never as a side effect of save().
    auto_create_schema = False
    auto_drop_schema = False
    clone_mode = "NODATA"

    objects = TenantQuerySet.as_manager()
    SCHEMA_STATUSES = (Status.ACTIVE, Status.SUSPENDED)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_public(self) -> bool:
        return self.schema_name == get_public_schema_name()

    @property
    def has_schema(self) -> bool:
        """A customer tenant whose schema exists and may be read: not still provisioning, not archived.

        The one test of "may we enter this tenant's schema", for pages, APIs, commands and tasks.
        """
        return not self.is_public and self.status in self.SCHEMA_STATUSES


class Domain(DomainMixin):
    def __str__(self):
        return self.domain


from tenants.provisioning_models import Backup, ProvisioningRun, SecretRotation  # noqa: E402,F401
