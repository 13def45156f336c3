"""Reads about users: where a user belongs and lands, a tenant's members and invitations."""

from django.core import signing
from django.utils import timezone
from django_tenants.utils import get_tenant_model

from accounts.models import Invitation, Membership
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


def tenant_invitations_pending(tenant) -> list[Invitation]:
    """Invitations still waiting for an answer. Only what the tenant typed (e-mail, role) is for its eyes."""
    return list(
        Invitation.objects.filter(tenant=tenant, status=Invitation.Status.PENDING, expires_at__gt=timezone.now())
        .select_related("invited_by")
        .order_by("email")
    )


def invitation_by_token(*, token: str, tenant) -> Invitation | None:
    """The invitation a mailed link names, on its own tenant's host only; None for a bad or foreign token."""
    try:
        invitation_id = signing.loads(token, salt=Invitation.TOKEN_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(invitation_id, int):
        return None
    return (
        Invitation.objects.filter(pk=invitation_id, tenant=tenant)
        .select_related("tenant", "user", "invited_by")
        .first()
    )


def tenant_invitation(*, tenant, invitation_id: int) -> Invitation | None:
    return Invitation.objects.filter(pk=invitation_id, tenant=tenant).select_related("tenant").first()
