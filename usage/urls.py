from django.urls import path

from usage import api

tenant_api = [
    path("api/tenant/me", api.TenantMeView.as_view(), name="api-tenant-me"),
    path("api/tenant/usage", api.TenantUsageView.as_view(), name="api-tenant-usage"),
    path("api/tenant/agent-requests", api.AgentRequestIngestView.as_view(), name="api-tenant-agent-requests"),
]
internal_api = [
    path("api/internal/usage/overview", api.UsageOverviewView.as_view(), name="api-internal-usage-overview"),
    path("api/internal/billing/overview", api.BillingOverviewView.as_view(), name="api-internal-billing-overview"),
]
