"""Agent endpoints: a tenant's contracted agents (its own host) and any tenant's (staff)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from accounts.cost_visibility import cost_for
from accounts.policy import Action
from agents.models import TenantAgent
from agents.selectors import tenant_agents
from agents.serializers import TenantAgentInternalSerializer, TenantAgentSerializer
from core.api.inputs import choice_filter, query_input
from core.api.views import INTERNAL_READ_SECONDS, TENANT_READ_SECONDS, PolicyAPIView
from core.cache import tenant_scope
from core.tenancy import customer_tenant_or_404


class AgentFilter(serializers.Serializer):
    status = choice_filter(TenantAgent.Status.values)


class TenantAgentsView(PolicyAPIView):
    """Contracted agents with their 30-day metrics; paginated, `status` filters, cached until the next roll-up."""

    required_action = Action.VIEW_TENANT_DASHBOARD
    cache_seconds = TENANT_READ_SECONDS
    serializer_class = TenantAgentSerializer
    list_view = True
    filter_backends = ()

    @extend_schema(
        summary="List the tenant's agents",
        description="Catalogue prices are billing: only those who may see cost get them.",
        parameters=[AgentFilter],
    )
    def get(self, request):
        status = query_input(request, AgentFilter)["status"]
        response = self.cached_page(
            scope=tenant_scope(request.tenant),
            name="agents",
            items=lambda: tenant_agents(tenant=request.tenant, status=status),
            serializer_class=TenantAgentSerializer,
            status=status,
        )
        response.data = cost_for(request.user, response.data, tenant=request.tenant)  # staff viewing as the tenant
        return response


class InternalTenantAgentsView(PolicyAPIView):
    """A tenant's contracted agents with their configuration and 30-day metrics; paginated."""

    required_action = Action.VIEW_COMPANY_PANEL
    cache_seconds = INTERNAL_READ_SECONDS
    serializer_class = TenantAgentInternalSerializer
    list_view = True
    filter_backends = ()

    @extend_schema(
        summary="List a tenant's agents",
        description="Catalogue prices are billing: only those who may see cost get them.",
    )
    def get(self, request, tenant_id: int):
        page = self.paginate_queryset(tenant_agents(tenant=customer_tenant_or_404(tenant_id)))
        agents = TenantAgentInternalSerializer(page, many=True).data
        return self.get_paginated_response(cost_for(request.user, agents))  # the catalogue price is billing
