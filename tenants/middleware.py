from django.http import JsonResponse
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.lookup import tenant_for_host


class CachedTenantMiddleware(TenantMainMiddleware):
    """django-tenants' middleware with a cached host lookup and a plain 404 for unknown hosts."""

    def get_tenant(self, domain_model, hostname):
        return tenant_for_host(hostname)

    def no_tenant_found(self, request, hostname):
        return render(request, "404.html", {"unknown_host": True}, status=404)


class TenantStatusMiddleware:
    """A suspended tenant keeps its data but its dashboard shows why it is closed and its API answers 403;
    an archived tenant's host is gone (404)."""

    OPEN_PATHS = ("/login/", "/logout/", "/static/", "/password-reset/", "/reset/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.is_public or tenant.status in ("active", "provisioning"):
            return self.get_response(request)
        if tenant.status == "archived":
            return render(request, "404.html", status=404)
        if request.path.startswith(self.OPEN_PATHS) or request.path == "/":
            return self.get_response(request)
        if request.path.startswith("/api/"):
            message = "This tenant is suspended; its data is kept. Contact support to restore access."
            return JsonResponse({"error": {"status": 403, "code": "tenant_suspended", "message": message}}, status=403)
        return render(request, "tenants/suspended.html", {"tenant": tenant}, status=403)
