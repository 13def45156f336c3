from importlib import import_module

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect

from accounts import view_as
from core.hosts import public_url

SESSION_TENANT_KEY = "_alq_tenant"


def bind_session_to_tenant(request) -> None:
    """Record which host (tenant schema) a session was made on; called at every login."""
    tenant = getattr(request, "tenant", None)
    if tenant is not None and hasattr(request, "session"):
        request.session[SESSION_TENANT_KEY] = tenant.schema_name


class SessionTenantBindingMiddleware:
    """A session is valid only on the host it was made on.

    Browsers already keep host-only cookies apart; this also refuses a cookie value
    copied from acme.localhost to globex.localhost.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and request.session.get(SESSION_TENANT_KEY) != request.tenant.schema_name:
            # Treated as anonymous with a blank session; the session stays valid on its own host.

            request.session = import_module(settings.SESSION_ENGINE).SessionStore()
            request.user = AnonymousUser()
        return self.get_response(request)


class ViewAsMiddleware:
    """Makes a staff member's view-as session read-only, time-limited and recorded.

    While active, the user may read the tenant's dashboard and API (the policy sees
    `_view_as_tenant_id`); every write is refused except ending the session or logging out.
    """

    ALLOWED_WRITES = ("/view-as/end", "/logout/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session_id = request.session.get(view_as.SESSION_KEY) if hasattr(request, "session") else None
        if session_id is None or not request.user.is_authenticated:
            return self.get_response(request)
        active = view_as.view_as_active(session_id=session_id, staff=request.user, tenant=request.tenant)
        if active is None:
            view_as.view_as_end(session_id=session_id, reason="expired", request=request)
            logout(request)
            return redirect(public_url("/app/company/tenants?view_as_ended=1"))
        request.user.__dict__["_view_as_tenant_id"] = request.tenant.pk
        request.view_as = active
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.path not in self.ALLOWED_WRITES:
            message = "Read-only while viewing as the tenant."
            if request.path.startswith("/api/"):  # the API's one error shape (core.api.errors)
                error = {"status": 403, "code": "permission_denied", "message": message}
                return JsonResponse({"error": error}, status=403)
            raise PermissionDenied(message)
        response = self.get_response(request)
        # What was seen: pages and API reads served, not assets, redirects or errors (a browser's /favicon.ico).
        if request.method == "GET" and response.status_code == 200 and not request.path.startswith(settings.STATIC_URL):
            view_as.view_as_record_page(session=active, path=request.get_full_path())
        return response
