"""The one DRF base every endpoint uses: authentication, the policy, pagination, the error shape.

Authentication and permission classes come from DRF's settings (accounts/api_auth.py), so this
platform module knows no app above it.
"""

from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _
from rest_framework.generics import GenericAPIView
from rest_framework.metadata import SimpleMetadata
from rest_framework.response import Response

from core.api.etags import etag_or_not_modified
from core.api.pagination import StrictPageNumberPagination
from core.cache import cached_read
from core.ratelimit import limiter, refusal_raise, request_limits

TENANT_READ_SECONDS = 300
INTERNAL_READ_SECONDS = 300


class PolicyMetadata(SimpleMetadata):
    """OPTIONS: name, description, renderers and parsers; the writable fields only where a view declares a serializer."""

    def determine_actions(self, request, view):
        if getattr(view, "serializer_class", None) is None:
            return {}
        return super().determine_actions(request, view)


class PolicyAPIView(GenericAPIView):
    """Set `required_action`, or `required_actions = {"GET": ..., "POST": ...}` (actions of accounts.policy)."""

    required_action: str | None = None
    required_actions: dict[str, str] = {}
    pagination_class = StrictPageNumberPagination
    filter_backends = ()  # filters are declared inputs (core/api/inputs.py), not django-filter backends
    # Successful GETs are private to the caller and cacheable this long (None: no-store).
    cache_seconds: int | None = None
    metadata_class = PolicyMetadata

    def serves(self, method: str) -> bool:
        """Whether this view has a handler for `method` (OPTIONS always: DRF answers it)."""
        return method.lower() in self.http_method_names and hasattr(self, method.lower())

    def check_throttles(self, request):
        """Requests per minute (core/ratelimit.py), after authentication and the policy: the `RateLimit`
        headers on every response to a known caller, a 429 with `Retry-After` over the limit."""
        super().check_throttles(request)
        decision = limiter.hit(request_limits(request.user, getattr(request, "tenant", None)))
        if decision is not None:
            self.headers.update(decision.headers())
        refusal_raise(decision, _("Too many requests for this API key, user or tenant."))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200 and self.cache_seconds:
            response["Cache-Control"] = f"private, max-age={self.cache_seconds}"
            # A client holding this exact body gets a bodiless 304 (core/api/etags.py).
            response = etag_or_not_modified(request, response)
        elif not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response

    def action_for(self, method: str) -> str:
        """The policy action `method` needs. A method the view does not serve (PUT, TRACE, anything) is
        checked as its reads are: an outsider gets 401/404 whatever the method, a member then gets 405."""
        if method in ("HEAD", "OPTIONS") or not self.serves(method):
            method = "GET" if self.serves("GET") else next(iter(self.required_actions), method)
        action = self.required_actions.get(method, self.required_action)
        if action is None:
            raise RuntimeError(f"{type(self).__name__} declares no policy action for {method}")
        return action

    def cached_page(self, *, scope: str, name: str, items, serializer_class, **params) -> Response:
        """One page of `items()` (called on a cache miss only), cached until the scope's next invalidation.

        Keyed by the validated parameters only: stray query parameters mint no cache keys.
        """
        page, page_size = self.paginator.page_params(self.request)
        key = f"{name}:{urlencode(sorted({**params, 'page': page, 'page_size': page_size}.items()))}"

        def page_body():
            rows = self.paginate_queryset(items())
            return self.get_paginated_response(serializer_class(rows, many=True).data).data

        return Response(cached_read(scope, key, page_body))
