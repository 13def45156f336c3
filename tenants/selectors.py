"""Reads on tenants (public schema)."""

from django.db.models import Q, QuerySet
from django_tenants.utils import get_public_schema_name

from tenants.models import Backup, Plan, ProvisioningRun, Tenant


def tenant_list(*, search: str = "", status: str = "", plan: str = "") -> QuerySet[Tenant]:
    tenants = Tenant.objects.customers().select_related("plan")
    if search:
        tenants = tenants.filter(
            Q(name__icontains=search) | Q(slug__icontains=search) | Q(owner_email__icontains=search)
        )
    if status:
        tenants = tenants.filter(status=status)
    if plan:
        tenants = tenants.filter(plan__code=plan)
    return tenants.order_by("name")


def customer_tenant(*, tenant_id: int) -> Tenant | None:
    """The customer tenant with this id (never the public one), or None."""
    return Tenant.objects.customers().select_related("plan").filter(pk=tenant_id).first()


def tenants_with_schema() -> QuerySet[Tenant]:
    """Customer tenants whose schema may be read (active or suspended), by name: those commands run on."""
    return Tenant.objects.with_schema().order_by("name")


def plan_list() -> QuerySet[Plan]:
    return Plan.objects.all()


def provisioning_run_list(*, limit: int = 20) -> QuerySet[ProvisioningRun]:
    """The latest provisioning runs, newest first, with their plan and requester."""
    return ProvisioningRun.objects.select_related("plan", "requested_by")[:limit]


def provisioning_run_get(*, run_id) -> ProvisioningRun | None:
    return ProvisioningRun.objects.select_related("plan", "requested_by", "tenant").filter(pk=run_id).first()


def backup_list(*, tenant: Tenant, limit: int = 10) -> QuerySet[Backup]:
    """A tenant's latest backups (kept by slug: they outlive an archived tenant's row)."""
    return Backup.objects.filter(tenant_slug=tenant.slug)[:limit]


def public_tenant() -> Tenant:
    """The tenant that carries the public host (the company panel, the login pages)."""
    return Tenant.objects.get(schema_name=get_public_schema_name())
