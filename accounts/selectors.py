"""Reads about users: where a user belongs and lands."""

from django_tenants.utils import get_tenant_model

from accounts.models import Membership
from accounts.policy import is_internal


def memberships_of(user) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, tenant__status__in=get_tenant_model().SCHEMA_STATUSES)
        .select_related("tenant")
        .order_by("tenant__name")
    )


def home_of(user) -> tuple[object | None, str]:
    """Where a user lands after login, as (tenant, path); tenant None means the public host.

    Staff → the company panel; a member of one tenant → its dashboard; of several → the chooser.
    """
    if is_internal(user):
        return None, "/app/company"
    memberships = memberships_of(user)
    if len(memberships) == 1:
        return memberships[0].tenant, "/app/dashboard"
    if memberships:
        return None, "/choose-tenant"
    return None, "/login/?no_access=1"


def tenant_members(tenant) -> list[Membership]:
    return list(Membership.objects.filter(tenant=tenant).select_related("user").order_by("user__email"))
