from django.contrib.auth import logout

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
            logout(request)
        return self.get_response(request)
