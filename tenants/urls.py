from django.urls import path

from tenants import api

internal_api = [
    path("api/internal/tenants", api.InternalTenantsView.as_view(), name="api-internal-tenants"),
    path("api/internal/tenants/<int:tenant_id>", api.InternalTenantDetailView.as_view(), name="api-internal-tenant"),
    *[
        path(
            f"api/internal/tenants/<int:tenant_id>/{transition}",
            api.TenantTransitionView.as_view(transition=transition),
            name=f"api-internal-tenant-{transition}",
        )
        for transition in ("suspend", "resume", "archive")
    ],
    path(
        "api/internal/tenants/<int:tenant_id>/secrets",
        api.TenantSecretsView.as_view(),
        name="api-internal-tenant-secrets",
    ),
    path(
        "api/internal/tenants/<int:tenant_id>/backups",
        api.TenantBackupView.as_view(),
        name="api-internal-tenant-backup",
    ),
    path("api/internal/backups", api.BackupsView.as_view(), name="api-internal-backups"),
    path(
        "api/internal/backups/<int:backup_id>/restore",
        api.BackupRestoreView.as_view(),
        name="api-internal-backup-restore",
    ),
    path(
        "api/internal/provisioning-runs/<uuid:run_id>",
        api.ProvisioningRunView.as_view(),
        name="api-internal-provisioning-run",
    ),
]
