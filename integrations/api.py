"""Integration endpoints: a tenant's integrations and their health, never their secrets."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from accounts.policy import Action
from core.api.inputs import choice_filter, query_input
from core.api.views import TENANT_READ_SECONDS, PolicyAPIView
from core.cache import tenant_scope
from integrations.models import Integration
from integrations.selectors import tenant_integrations
from integrations.serializers import IntegrationSerializer


class IntegrationFilter(serializers.Serializer):
    status = choice_filter(Integration.Status.values)
    kind = choice_filter(Integration.Kind.values)


class TenantIntegrationsView(PolicyAPIView):
    """Integrations and their health; paginated, `status` and `kind` filter, cached until the next change."""

    required_action = Action.VIEW_TENANT_DASHBOARD
    cache_seconds = TENANT_READ_SECONDS
    serializer_class = IntegrationSerializer
    list_view = True
    filter_backends = ()

    @extend_schema(
        summary="List the tenant's integrations and their health",
        parameters=[IntegrationFilter],
        responses=IntegrationSerializer,
    )
    def get(self, request):
        filters = query_input(request, IntegrationFilter)
        return self.cached_page(
            scope=tenant_scope(request.tenant),
            name="integrations",
            items=lambda: tenant_integrations(tenant=request.tenant, **filters),
            serializer_class=IntegrationSerializer,
            **filters,
        )
