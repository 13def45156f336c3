from django_tenants.utils import tenant_context

from agents.models import TenantAgent


def tenant_agents(*, tenant, status: str = "") -> list[TenantAgent]:
    """A tenant's contracted agents with their catalogue entries (one query, in its schema); `status` filters."""
    with tenant_context(tenant):
        agents = TenantAgent.objects.select_related("agent_type").order_by("agent_type__name", "pk")
        if status:
            agents = agents.filter(status=status)
        return list(agents)
