from django_tenants.utils import tenant_context

from agents.models import TenantAgent


def tenant_agents(*, tenant) -> list[TenantAgent]:
    """A tenant's contracted agents with their catalogue entries (one query, in its schema)."""
    with tenant_context(tenant):
        return list(TenantAgent.objects.select_related("agent_type").order_by("agent_type__name"))
