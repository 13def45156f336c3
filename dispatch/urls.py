from django.urls import path

from dispatch import api

tenant_api = [
    path("api/tenant/leads", api.LeadsView.as_view(), name="api-tenant-leads"),
    path("api/tenant/leads/import", api.LeadImportView.as_view(), name="api-tenant-leads-import"),
    path("api/tenant/leads/<int:lead_id>", api.LeadDetailView.as_view(), name="api-tenant-lead"),
    path("api/tenant/dispatch/runs", api.DispatchRunsView.as_view(), name="api-tenant-dispatch-runs"),
    path("api/tenant/dispatch/decisions", api.DispatchDecisionsView.as_view(), name="api-tenant-dispatch-decisions"),
]
internal_api = [
    path(
        "api/internal/tenants/<int:tenant_id>/dispatch",
        api.InternalDispatchView.as_view(),
        name="api-internal-tenant-dispatch",
    ),
]
