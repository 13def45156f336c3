"""The one DRF base every endpoint uses: authentication, the policy, the error shape."""

from django.conf import settings
from rest_framework.generics import GenericAPIView

from accounts.policy import Action
from alquimista.api.pagination import StrictPageNumberPagination
from alquimista.api.permissions import PolicyPermission

TENANT_READ_SECONDS = 300
INTERNAL_READ_SECONDS = 300


class PolicyAPIView(GenericAPIView):
    """Set `required_action`, or `required_actions = {"GET": ..., "POST": ...}`."""

    required_action: Action | None = None
    required_actions: dict[str, Action] = {}
    permission_classes = [PolicyPermission]
    pagination_class = StrictPageNumberPagination
    # Successful GETs are private to the caller and cacheable this long (None: no-store).
    cache_seconds: int | None = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200 and self.cache_seconds:
            response["Cache-Control"] = f"private, max-age={self.cache_seconds}"
        elif not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response

    def get_authenticators(self):
        from rest_framework.authentication import SessionAuthentication

        from alquimista.api.authentication import ApiKeyAuthentication

        authenticators = [ApiKeyAuthentication(), SessionAuthentication()]
        if settings.OIDC_ENABLED:
            from accounts.oidc import OidcBearerAuthentication

            authenticators.insert(1, OidcBearerAuthentication())
        return authenticators

    def action_for(self, method: str) -> Action:
        if method in ("HEAD", "OPTIONS"):
            method = "GET"
        action = self.required_actions.get(method, self.required_action)
        if action is None:
            raise RuntimeError(f"{type(self).__name__} declares no policy action for {method}")
        return action
