"""A tenant's host (<slug>.BASE_DOMAIN): client dashboard, tenant API."""

from django.urls import path, re_path

from alquimista import urls_api
from alquimista.urls_common import handler403, handler404, handler500  # noqa: F401
from alquimista.urls_common import urlpatterns as common
from core.api.not_found import NOT_FOUND_NAME, api_not_found
from dashboards import account_views, client_views, dispatch_views, webhook_views

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
    path("app/dashboard/webhooks", webhook_views.webhooks_page, name="tenant-webhooks"),
    path("app/dashboard/webhooks/<int:endpoint_id>/test", webhook_views.webhook_test_page, name="tenant-webhook-test"),
    path(
        "app/dashboard/webhooks/<int:endpoint_id>/delete",
        webhook_views.webhook_delete_page,
        name="tenant-webhook-delete",
    ),
    path("app/dashboard/users", account_views.users_page, name="tenant-users"),
    path("app/dashboard/users/<int:user_id>/role", account_views.user_role_page, name="tenant-user-role"),
    path("app/dashboard/users/<int:user_id>/remove", account_views.user_remove_page, name="tenant-user-remove"),
    path(
        "app/dashboard/invitations/<int:invitation_id>/cancel",
        account_views.invitation_cancel_page,
        name="tenant-invitation-cancel",
    ),
    path("invitations/<str:token>", account_views.invitation_page, name="invitation"),
    path("invitations/<str:token>/accept", account_views.invitation_accept_page, name="invitation-accept"),
    path("invitations/<str:token>/decline", account_views.invitation_decline_page, name="invitation-decline"),
    path("app/dashboard/dispatch", dispatch_views.dispatch_page, name="client-dispatch"),
    path("app/dashboard/dispatch/import", dispatch_views.dispatch_import, name="client-dispatch-import"),
    path("app/dashboard/dispatch/run", dispatch_views.dispatch_dry_run, name="client-dispatch-run"),
    path("view-as/begin/<int:session_id>", account_views.view_as_begin, name="view-as-begin"),
    path("view-as/end", account_views.view_as_end_page, name="view-as-end"),
    # The tenant API: each app serves the routes of the data it owns.
    *urls_api.tenant_api,
    # Last: any other /api/ path answers JSON (404, or 308 to its slash-less URL), never the HTML page.
    re_path(r"^api/", api_not_found, name=NOT_FOUND_NAME),
]
