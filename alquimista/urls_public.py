"""The public host (BASE_DOMAIN): company panel, admin, internal API."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import api as accounts_api
from alquimista.urls_common import handler403, handler404, handler500  # noqa: F401
from alquimista.urls_common import urlpatterns as common
from dashboards import account_views, company_views, operations_views, views
from dispatch import api as dispatch_api
from operations import api as operations_api
from tenants import api as tenants_api
from usage import api as usage_api

urlpatterns = [
    *common,
    path("choose-tenant", views.choose_tenant, name="choose-tenant"),
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
    path("api/internal/tenants", usage_api.InternalTenantsView.as_view(), name="api-internal-tenants"),
    path(
        "api/internal/tenants/<int:tenant_id>", usage_api.InternalTenantDetailView.as_view(), name="api-internal-tenant"
    ),
    path(
        "api/internal/tenants/<int:tenant_id>/agents",
        usage_api.InternalTenantAgentsView.as_view(),
        name="api-internal-tenant-agents",
    ),
    path("api/internal/usage/overview", usage_api.UsageOverviewView.as_view(), name="api-internal-usage-overview"),
    path(
        "api/internal/billing/overview", usage_api.BillingOverviewView.as_view(), name="api-internal-billing-overview"
    ),
    path("api/internal/incidents", usage_api.InternalIncidentsView.as_view(), name="api-internal-incidents"),
    path("api/internal/operations/commands", operations_api.CommandsView.as_view(), name="api-internal-commands"),
    path(
        "api/internal/operations/commands/<uuid:command_id>",
        operations_api.CommandDetailView.as_view(),
        name="api-internal-command",
    ),
    path(
        "api/internal/operations/commands/<uuid:command_id>/cancel",
        operations_api.CommandCancelView.as_view(),
        name="api-internal-command-cancel",
    ),
    path(
        "api/internal/operations/commands/<uuid:command_id>/retry",
        operations_api.CommandRetryView.as_view(),
        name="api-internal-command-retry",
    ),
    path("api/internal/operations/batches", operations_api.BatchesView.as_view(), name="api-internal-batches"),
    path(
        "api/internal/operations/batches/<uuid:batch_id>",
        operations_api.BatchDetailView.as_view(),
        name="api-internal-batch",
    ),
    path("api/internal/events", operations_api.EventsView.as_view(), name="api-internal-events"),
    path(
        "api/internal/provisioning-runs/<uuid:run_id>",
        tenants_api.ProvisioningRunView.as_view(),
        name="api-internal-provisioning-run",
    ),
    *[
        path(
            f"api/internal/tenants/<int:tenant_id>/{transition}",
            tenants_api.TenantTransitionView.as_view(transition=transition),
            name=f"api-internal-tenant-{transition}",
        )
        for transition in ("suspend", "resume", "archive")
    ],
    path(
        "api/internal/tenants/<int:tenant_id>/secrets",
        tenants_api.TenantSecretsView.as_view(),
        name="api-internal-tenant-secrets",
    ),
    path(
        "api/internal/tenants/<int:tenant_id>/backups",
        tenants_api.TenantBackupView.as_view(),
        name="api-internal-tenant-backup",
    ),
    path(
        "api/internal/tenants/<int:tenant_id>/dispatch",
        dispatch_api.InternalDispatchView.as_view(),
        name="api-internal-tenant-dispatch",
    ),
    path("api/internal/backups", tenants_api.BackupsView.as_view(), name="api-internal-backups"),
    path(
        "api/internal/backups/<int:backup_id>/restore",
        tenants_api.BackupRestoreView.as_view(),
        name="api-internal-backup-restore",
    ),
    path(
        "api/internal/incidents/<int:incident_id>/acknowledge",
        usage_api.InternalIncidentTransitionView.as_view(transition="acknowledge"),
        name="api-internal-incident-acknowledge",
    ),
    path(
        "api/internal/incidents/<int:incident_id>/resolve",
        usage_api.InternalIncidentTransitionView.as_view(transition="resolve"),
        name="api-internal-incident-resolve",
    ),
    *([path("oidc/", include("mozilla_django_oidc.urls"))] if settings.OIDC_ENABLED else []),
    path(
        "api/internal/tenants/<int:tenant_id>/api-keys",
        accounts_api.InternalApiKeysView.as_view(),
        name="api-internal-api-keys",
    ),
    path(
        "api/internal/tenants/<int:tenant_id>/api-keys/<int:key_id>/revoke",
        accounts_api.InternalApiKeyRevokeView.as_view(),
        name="api-internal-api-key-revoke",
    ),
]
