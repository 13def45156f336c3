from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.lookup import tenant_for_host


class CachedTenantMiddleware(TenantMainMiddleware):
    """django-tenants' middleware with a cached host lookup and a plain 404 for unknown hosts."""

    def get_tenant(self, domain_model, hostname):
        return tenant_for_host(hostname)

    def no_tenant_found(self, request, hostname):
        return render(request, "404.html", {"unknown_host": True}, status=404)
