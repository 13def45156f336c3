from django.urls import path

from integrations import api

tenant_api = [
    path("api/tenant/integrations", api.TenantIntegrationsView.as_view(), name="api-tenant-integrations"),
]
