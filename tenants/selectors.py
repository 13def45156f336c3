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


def customer_tenant_or_404(tenant_id) -> Tenant:
    """A customer tenant by id for staff views; 404 for unknown ids and for the public tenant."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Tenant.objects.customers().select_related("plan"), pk=tenant_id)
