"""Reads on tenants (public schema)."""

from django.db.models import Q, QuerySet

from tenants.models import Tenant


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
