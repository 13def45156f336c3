"""How the OpenAPI contract names the API's credentials (drf-spectacular finds these by class path)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api_auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A tenant's API key, on its own tenant's host only: `Authorization: Api-Key alq_<prefix>_"
            "<secret>` (or the header `X-API-Key: alq_…`). Created by the tenant's admins, shown once; scopes "
            "`read` and `ingest`.",
        }


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api_auth.StaffTokenAuthentication"
    name = "staffToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A staff member's personal access token, on the company's host only: `Authorization: Token "
            "alq_pat_<prefix>_<secret>`. Created on the profile page or with `POST /api/internal/tokens`, shown "
            "once; it acts as its owner within its scopes (read, commands; lifecycle, billing, keys for admins).",
        }


class SsoBearerScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api_auth.SsoBearerAuthentication"
    name = "ssoBearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token from the company's OIDC provider, when single sign-on is configured.",
        }
