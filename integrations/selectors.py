from django_tenants.utils import tenant_context

from integrations.models import Integration


def tenant_integrations(*, tenant, status: str = "", kind: str = "") -> list[Integration]:
    """A tenant's integrations (one query, in its schema); `status` and `kind` filter."""
    with tenant_context(tenant):
        integrations = Integration.objects.order_by("kind", "name", "pk")
        if status:
            integrations = integrations.filter(status=status)
        if kind:
            integrations = integrations.filter(kind=kind)
        return list(integrations)
