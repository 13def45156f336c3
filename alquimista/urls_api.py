"""Every /api route of both hosts, gathered from the apps that own them.

The URL roots serve each list on its own host; the OpenAPI contract (/api/schema, on either host)
is generated from both, each path stating its host's server URL pattern (core/api/schema.py).
"""

from accounts import urls as accounts_urls
from agents import urls as agents_urls
from dispatch import urls as dispatch_urls
from integrations import urls as integrations_urls
from operations import urls as operations_urls
from tenants import urls as tenants_urls
from usage import urls as usage_urls
from webhooks import urls as webhooks_urls

tenant_api = [
    *usage_urls.tenant_api,
    *agents_urls.tenant_api,
    *integrations_urls.tenant_api,
    *operations_urls.tenant_api,
    *dispatch_urls.tenant_api,
    *accounts_urls.tenant_api,
    *webhooks_urls.tenant_api,
]
internal_api = [
    *tenants_urls.internal_api,
    *agents_urls.internal_api,
    *usage_urls.internal_api,
    *operations_urls.internal_api,
    *dispatch_urls.internal_api,
    *accounts_urls.internal_api,
    *webhooks_urls.internal_api,
]
urlpatterns = [*tenant_api, *internal_api]
