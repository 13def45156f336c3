"""Writes on tenants: creation of schema + domain, the public tenant, the template schema."""

import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, schema_exists

from core.hosts import tenant_host
from tenants.models import Domain, Plan, Tenant
from tenants.schema_clone import align_clone_names, catalog_statistics_refresh
from tenants.validation import schema_name_for, validate_slug

logger = structlog.get_logger(__name__)


def template_schema_clone_enabled() -> bool:
    return bool(settings.TENANT_CREATION_FAKES_MIGRATIONS) and schema_exists(settings.TENANT_BASE_SCHEMA)


def tenant_create(
    *,
    slug: str,
    name: str,
    plan: Plan,
    owner_name: str = "",
    owner_email: str = "",
    owner_squad: str = "",
    sla: str = Tenant.Sla.STANDARD,
    status: str = Tenant.Status.ACTIVE,
    tenant_settings: dict | None = None,
) -> Tenant:
    """Create a tenant: its row, its primary domain `<slug>.BASE_DOMAIN` and its schema.

    The schema is cloned from the template schema when one exists (TENANT_BASE_SCHEMA),
    else built by running the tenant migrations. All of it is one transaction: a failure
    leaves no row, no domain and no schema behind.
    """
    validate_slug(slug)
    if Tenant.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"A tenant with slug “{slug}” already exists."})
    catalog_statistics_refresh()  # outside the transaction: ANALYZE's lock is held until commit
    with transaction.atomic():
        tenant = Tenant.objects.create(
            schema_name=schema_name_for(slug),
            slug=slug,
            name=name,
            plan=plan,
            owner_name=owner_name,
            owner_email=owner_email,
            owner_squad=owner_squad,
            sla=sla,
            status=status,
            settings=dict(tenant_settings or {}),
        )
        Domain.objects.create(domain=tenant_host(slug), tenant=tenant, is_primary=True)
        cloned = template_schema_clone_enabled()
        tenant.create_schema(check_if_exists=False, verbosity=0)
        if cloned:
            align_clone_names(template=settings.TENANT_BASE_SCHEMA, clone=tenant.schema_name)
    logger.info("tenant_created", tenant=tenant.schema_name, cloned=cloned)
    return tenant


def public_tenant_ensure() -> Tenant:
    """The public tenant and its domain BASE_DOMAIN; follows BASE_DOMAIN when it changes."""
    public_name = get_public_schema_name()
    with transaction.atomic():
        tenant, _ = Tenant.objects.get_or_create(
            schema_name=public_name,
            defaults={"slug": public_name, "name": "Alquimista (public)", "status": Tenant.Status.ACTIVE},
        )
        domain = Domain.objects.filter(tenant=tenant, is_primary=True).first()
        if domain is None:
            Domain.objects.create(domain=settings.BASE_DOMAIN, tenant=tenant, is_primary=True)
        elif domain.domain != settings.BASE_DOMAIN:
            domain.domain = settings.BASE_DOMAIN
            domain.save(update_fields=["domain"])
    return tenant


def template_schema_sync(*, verbosity: int = 0) -> None:
    """Create the template schema if missing and bring it to the latest tenant migrations.

    It is not a tenant row, so `migrate_schemas` alone would leave it stale and every
    clone would then fake migrations it does not have: run this after each migrate.
    """
    name = settings.TENANT_BASE_SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{name}"')
    call_command("migrate_schemas", tenant=True, schema_name=name, interactive=False, verbosity=verbosity)
    # Cloning slows down sharply once there are many schemas unless the catalog has statistics.
    catalog_statistics_refresh(force=True)
    connection.set_schema_to_public()
