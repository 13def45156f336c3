"""A tenant's host (<slug>.BASE_DOMAIN): client dashboard, tenant API."""

from django.urls import path

from accounts import api as accounts_api
from alquimista.urls_common import handler403, handler404, handler500  # noqa: F401
from alquimista.urls_common import urlpatterns as common
from dashboards import account_views, client_views, dispatch_views
from dispatch import api as dispatch_api
from usage import api as usage_api

urlpatterns = [
    *common,
    path("app/dashboard", client_views.client_overview, name="client-dashboard"),
    path("app/dashboard/agents", client_views.client_agents, name="client-agents"),
    path("app/dashboard/integrations", client_views.client_integrations, name="client-integrations"),
    path("app/dashboard/usage", client_views.client_usage, name="client-usage"),
    path("app/dashboard/usage.csv", client_views.client_usage_csv, name="client-usage-csv"),
    path("app/dashboard/incidents", client_views.client_incidents, name="client-incidents"),
    path("app/dashboard/api-keys", account_views.api_keys_page, name="api-keys"),
    path("app/dashboard/api-keys/<int:key_id>/revoke", account_views.api_key_revoke_page, name="api-key-revoke"),
    path("app/dashboard/users", account_views.users_page, name="tenant-users"),
    path("app/dashboard/users/<int:user_id>/role", account_views.user_role_page, name="tenant-user-role"),
    path("app/dashboard/users/<int:user_id>/remove", account_views.user_remove_page, name="tenant-user-remove"),
    path("app/dashboard/dispatch", dispatch_views.dispatch_page, name="client-dispatch"),
    path("app/dashboard/dispatch/import", dispatch_views.dispatch_import, name="client-dispatch-import"),
    path("app/dashboard/dispatch/run", dispatch_views.dispatch_dry_run, name="client-dispatch-run"),
    path("view-as/begin/<int:session_id>", account_views.view_as_begin, name="view-as-begin"),
    path("view-as/end", account_views.view_as_end_page, name="view-as-end"),
    path("api/tenant/me", usage_api.TenantMeView.as_view(), name="api-tenant-me"),
    path("api/tenant/usage", usage_api.TenantUsageView.as_view(), name="api-tenant-usage"),
    path("api/tenant/agents", usage_api.TenantAgentsView.as_view(), name="api-tenant-agents"),
    path("api/tenant/integrations", usage_api.TenantIntegrationsView.as_view(), name="api-tenant-integrations"),
    path("api/tenant/incidents", usage_api.TenantIncidentsView.as_view(), name="api-tenant-incidents"),
    path("api/tenant/leads", dispatch_api.LeadsView.as_view(), name="api-tenant-leads"),
    path("api/tenant/leads/import", dispatch_api.LeadImportView.as_view(), name="api-tenant-leads-import"),
    path("api/tenant/leads/<int:lead_id>", dispatch_api.LeadDetailView.as_view(), name="api-tenant-lead"),
    path("api/tenant/dispatch/runs", dispatch_api.DispatchRunsView.as_view(), name="api-tenant-dispatch-runs"),
    path(
        "api/tenant/dispatch/decisions",
        dispatch_api.DispatchDecisionsView.as_view(),
        name="api-tenant-dispatch-decisions",
    ),
    path("api/tenant/agent-requests", usage_api.AgentRequestIngestView.as_view(), name="api-tenant-agent-requests"),
    path("api/tenant/api-keys", accounts_api.TenantApiKeysView.as_view(), name="api-tenant-api-keys"),
    path(
        "api/tenant/api-keys/<int:key_id>/revoke",
        accounts_api.TenantApiKeyRevokeView.as_view(),
        name="api-tenant-api-key-revoke",
    ),
]
