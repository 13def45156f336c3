"""Sending a logged-in user to where they belong, across hosts when needed."""

from django.contrib.auth import logout
from django.shortcuts import redirect

from accounts.handoff import handoff_create
from accounts.selectors import home_of, memberships_of
from core.hosts import public_url, tenant_url
from tenants.selectors import public_tenant


def redirect_to_tenant(request, tenant, path: str):
    """Redirect to `path` on `tenant`'s host, carrying the login with a one-time ticket."""
    if request.tenant.pk == tenant.pk:
        return redirect(path)
    ticket = handoff_create(user=request.user, tenant=tenant, next_path=path)
    return redirect(tenant_url(tenant, f"/login/handoff?ticket={ticket}"))


def redirect_home(request):
    tenant, path = home_of(request.user)
    if tenant is not None:
        return redirect_to_tenant(request, tenant, path)
    if request.tenant.is_public:
        if path.startswith("/login/"):
            logout(request)
        return redirect(path)
    if any(membership.tenant.pk == request.tenant.pk for membership in memberships_of(request.user)):
        # Several memberships (or staff) logging in on one of their tenants' hosts: stay here.
        return redirect("/app/dashboard")
    if path.startswith("/login/"):
        return redirect(public_url(path))
    # The company panel or the chooser are on the public host; sessions are per host.
    return redirect_to_tenant(request, public_tenant(), path)
