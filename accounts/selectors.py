"""Reads about users: where a user belongs and lands."""
from accounts.models import Membership
from accounts.policy import is_internal
from tenants.models import Tenant
from tenants.services import public_url, tenant_url


def memberships_of(user) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, tenant__status__in=[Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED])
        .select_related("tenant")
        .order_by("tenant__name")
    )


def home_url_for(user) -> str:
    """Where a user lands after login: staff → company panel, a tenant member → their dashboard."""
    if is_internal(user):
        return public_url("/app/company")
    memberships = memberships_of(user)
    if len(memberships) == 1:
        return tenant_url(memberships[0].tenant, "/app/dashboard")
    if memberships:
        return public_url("/choose-tenant")
    return public_url("/login/?no_access=1")
