"""How API requests authenticate and are authorised: API keys, OIDC bearer tokens, and the policy.

DRF's settings name these classes (REST_FRAMEWORK in alquimista/settings.py), so the API base in
core/ needs no import of accounts.
"""

from django.conf import settings
from rest_framework import authentication, exceptions
from rest_framework.permissions import BasePermission

from accounts.api_keys import api_key_authenticate
from accounts.oidc import OidcBearerAuthentication
from accounts.policy import TENANT_SCOPED, can, is_member
from accounts.staff_tokens import staff_token_authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key alq_<prefix>_<secret>` (or `X-API-Key`), valid on its tenant's host only."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        raw = ""
        if header.startswith(f"{self.keyword} "):
            raw = header[len(self.keyword) + 1 :].strip()
        elif request.META.get("HTTP_X_API_KEY"):
            raw = request.META["HTTP_X_API_KEY"].strip()
        if not raw:
            return None
        principal = api_key_authenticate(raw=raw, tenant=getattr(request._request, "tenant", None))
        if principal is None:
            raise exceptions.AuthenticationFailed("Invalid, revoked or foreign API key.")
        return principal, principal.key

    def authenticate_header(self, request):
        return self.keyword


class StaffTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token alq_pat_<prefix>_<secret>`: a staff member's personal access token, valid on the
    company's host only (the internal API), acting as its owner within the token's scopes."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header.startswith(f"{self.keyword} "):
            return None
        tenant = getattr(request._request, "tenant", None)
        if tenant is None or not tenant.is_public:
            raise exceptions.AuthenticationFailed("Staff tokens are accepted on the company's host only.")
        found = staff_token_authenticate(header[len(self.keyword) + 1 :].strip())
        if found is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return found

    def authenticate_header(self, request):
        return self.keyword


class SsoBearerAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <OIDC access token>` when single sign-on is configured; ignored otherwise."""

    def authenticate(self, request):
        if not settings.OIDC_ENABLED:
            return None
        return OidcBearerAuthentication().authenticate(request)

    def authenticate_header(self, request):
        return "Bearer" if settings.OIDC_ENABLED else None


class PolicyPermission(BasePermission):
    """Asks accounts.policy for the view's `required_action` (or per-method `required_actions`).

    401 without credentials; 404 to someone from another tenant (not revealing this one
    exists); 403 to a member or staff member without the right.
    """

    def has_permission(self, request, view):
        action = view.action_for(request.method)
        user = request.user
        if user is None or not user.is_authenticated:
            raise exceptions.NotAuthenticated()
        tenant = request.tenant
        if can(user, action, tenant):
            return True
        if action in TENANT_SCOPED and not is_member(user, tenant):
            raise exceptions.NotFound()
        raise exceptions.PermissionDenied()
