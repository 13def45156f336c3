"""The public host (BASE_DOMAIN): company panel, admin, internal API."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from alquimista import urls_api
from alquimista.urls_common import handler403, handler404, handler500  # noqa: F401
from alquimista.urls_common import urlpatterns as common
from core.api.not_found import NOT_FOUND_NAME, api_not_found
from dashboards import account_views, company_views, operations_views, views

urlpatterns = [
    *common,
    path("choose-tenant", views.choose_tenant, name="choose-tenant"),
    path("profile/tokens", account_views.staff_tokens_page, name="staff-tokens"),
    path("profile/tokens/<int:token_id>/revoke", account_views.staff_token_revoke_page, name="staff-token-revoke"),
    path("app/company", company_views.company_overview, name="company-overview"),
    path("app/company/tenants", company_views.company_tenants, name="company-tenants"),
    path("app/company/tenants/<int:tenant_id>", company_views.company_tenant, name="company-tenant"),
    path("app/company/usage", company_views.company_usage, name="company-usage"),
    path("app/company/billing", company_views.company_billing, name="company-billing"),
    path("app/company/incidents", company_views.company_incidents, name="company-incidents"),
    *[
        path(
            f"app/company/incidents/<int:incident_id>/{transition}",
            company_views.company_incident_transition,
            {"transition": transition},
            name=f"company-incident-{transition}",
        )
        for transition in ("acknowledge", "resolve")
    ],
    path("app/company/tenants/<int:tenant_id>/view-as", account_views.view_as_start_page, name="view-as-start"),
    path("app/company/commands", operations_views.commands_page, name="company-commands"),
    path("app/company/commands/new", operations_views.command_create_page, name="company-command-create"),
    path("app/company/commands/batches", operations_views.batch_create_page, name="company-batch-create"),
    path("app/company/commands/batches/<uuid:batch_id>", operations_views.batch_page, name="company-batch"),
    path("app/company/commands/<uuid:command_id>", operations_views.command_page, name="company-command"),
    *[
        path(
            f"app/company/commands/<uuid:command_id>/{action}",
            operations_views.command_action_page,
            {"action": action},
            name=f"company-command-{action}",
        )
        for action in ("cancel", "retry")
    ],
    path("app/company/events", operations_views.events_page, name="company-events"),
    path("app/company/provision", operations_views.provision_page, name="company-provision"),
    path(
        "app/company/provision/<uuid:run_id>", operations_views.provisioning_run_page, name="company-provisioning-run"
    ),
    path(
        "app/company/tenants/<int:tenant_id>/operations",
        operations_views.tenant_operations_page,
        name="company-tenant-operations",
    ),
    path(
        "app/company/tenants/<int:tenant_id>/secrets/rotate",
        operations_views.tenant_secret_rotate,
        name="company-tenant-secret-rotate",
    ),
    *[
        path(
            f"app/company/tenants/<int:tenant_id>/{action}",
            operations_views.tenant_lifecycle_action,
            {"action": action},
            name=f"company-tenant-{action}",
        )
        for action in ("suspend", "resume", "archive", "backup")
    ],
    path(
        "app/company/tenants/<int:tenant_id>/dispatch",
        operations_views.tenant_dispatch_toggle,
        name="company-tenant-dispatch",
    ),
    path("admin/", admin.site.urls),
    *([path("oidc/", include("mozilla_django_oidc.urls"))] if settings.OIDC_ENABLED else []),
    # The internal API: each app serves the routes of the data it owns.
    *urls_api.internal_api,
    # Last: any other /api/ path answers JSON (404, or 308 to its slash-less URL), never the HTML page.
    re_path(r"^api/", api_not_found, name=NOT_FOUND_NAME),
]
