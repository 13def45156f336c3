from django.urls import path

from accounts import api

tenant_api = [
    path("api/tenant/api-keys", api.TenantApiKeysView.as_view(), name="api-tenant-api-keys"),
    path(
        "api/tenant/api-keys/<int:key_id>/revoke",
        api.TenantApiKeyRevokeView.as_view(),
        name="api-tenant-api-key-revoke",
    ),
]
internal_api = [
    path("api/internal/tokens", api.StaffTokensView.as_view(), name="api-internal-tokens"),
    path(
        "api/internal/tokens/<int:token_id>/revoke",
        api.StaffTokenRevokeView.as_view(),
        name="api-internal-token-revoke",
    ),
    path(
        "api/internal/tenants/<int:tenant_id>/api-keys", api.InternalApiKeysView.as_view(), name="api-internal-api-keys"
    ),
    path(
        "api/internal/tenants/<int:tenant_id>/api-keys/<int:key_id>/revoke",
        api.InternalApiKeyRevokeView.as_view(),
        name="api-internal-api-key-revoke",
    ),
]
