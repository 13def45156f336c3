from django_tenants.utils import tenant_context

from integrations.models import Integration


def tenant_integrations(*, tenant) -> list[Integration]:
    with tenant_context(tenant):
        return list(Integration.objects.order_by("kind", "name"))
