from django.urls import path

from agents import api

tenant_api = [
    path("api/tenant/agents", api.TenantAgentsView.as_view(), name="api-tenant-agents"),
]
internal_api = [
    path(
        "api/internal/tenants/<int:tenant_id>/agents",
        api.InternalTenantAgentsView.as_view(),
        name="api-internal-tenant-agents",
    ),
]
