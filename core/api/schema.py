"""The OpenAPI contract's house rules, applied to every operation in one place.

Views declare what is theirs (the item serializer, `list_view = True` for a paginated GET, typed
request and response bodies, `error_statuses` for a rare extra such as 409); this schema class adds
what every operation shares: the one page shape with `page`/`page_size`, the one error shape for
each status the API base really answers (400 for a bad parameter, header or body; 401; 403; 404 for
an unknown id or a host the caller does not belong to; 429 over the rate limit; 503 while the
database is unreachable; 413 for an oversized body, 415 for a body of another type; 409 for a reused Idempotency-Key), 304 for
cacheable reads, the Idempotency-Key header, and tags per host. `contract_postprocess` then states
each host's server URL pattern on its paths.
"""

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

HOSTS = {"tenant": "Tenant API", "internal": "Internal API"}
ALWAYS = {
    400: "A query parameter, header or body field is invalid (the error names it).",
    401: "No credentials, or invalid ones.",
    403: "Authenticated, but this role or key scope may not do this.",
    404: "No such object here, or this host is not the caller's tenant.",
    429: "Over the rate limit: wait `Retry-After` seconds.",
    503: "The database is unreachable: retry after `Retry-After` seconds.",
}
WITH_BODY = {
    413: "The request body is larger than this endpoint accepts.",
    415: "The body's content type is not one this operation reads (or the body cannot be read as it).",
}
CONFLICT = {409: "The request conflicts with the object's state, or its Idempotency-Key was used differently."}
BODY_METHODS = {"POST", "PUT", "PATCH"}


class ErrorDetailSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status again.")
    code = serializers.CharField(help_text="A stable machine code: invalid, not_found, throttled…")
    message = serializers.CharField(help_text="A sentence for people.")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text="Per invalid field (query parameter, header or body field), its messages.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


class ContractSchema(AutoSchema):
    def _is_list_view(self, serializer=None) -> bool:
        if self.method == "GET" and getattr(self.view, "list_view", False):
            return True
        return super()._is_list_view(serializer)

    def _handler(self):
        return getattr(self.view, self.method.lower(), None)

    def _is_idempotent(self) -> bool:
        return getattr(self._handler(), "idempotent", False)

    def get_tags(self) -> list[str]:
        tokens = self._tokenize_path()
        host = tokens[0] if tokens else ""
        resource = next((token for token in tokens[1:] if not token.startswith("{")), host)
        return [f"{HOSTS.get(host, host)} · {resource}"]

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._is_idempotent():
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    str,
                    OpenApiParameter.HEADER,
                    description="Any string up to 255 characters: a retry with the same key and body within 24 hours "
                    "replays the first answer (header `Idempotent-Replayed: true`) instead of acting twice.",
                )
            )
        return parameters

    def _error_statuses(self) -> dict[int, str]:
        statuses = dict(ALWAYS)
        if self.method in BODY_METHODS:
            statuses.update(WITH_BODY)
        if self._is_idempotent() or 409 in getattr(self.view, "error_statuses", ()):
            statuses.update(CONFLICT)
        return statuses

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        if self.method == "GET" and getattr(self.view, "cache_seconds", None):
            responses["304"] = {"description": "Not modified: the `If-None-Match` ETag is still current."}
        for status, description in self._error_statuses().items():
            response = OpenApiResponse(ErrorSerializer, description=description)
            responses.setdefault(str(status), self._get_response_for_code(response, str(status)))
        return responses


def _server(host: str) -> dict:
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    if host == "tenant":
        return {
            "url": f"{settings.SITE_SCHEME}://{{tenant}}.{settings.BASE_DOMAIN}{port}",
            "description": "A tenant's own host: its slug as the subdomain.",
            "variables": {"tenant": {"default": "acme", "description": "The tenant's slug."}},
        }
    return {"url": f"{settings.SITE_SCHEME}://{settings.BASE_DOMAIN}{port}", "description": "The company's host."}


def contract_postprocess(result, generator, request, public):
    """Each operation on its host's server URL pattern (API keys only on a tenant's host, staff tokens only
    on the company's); Redoc's tag groups, one per host."""
    tags = {}
    for path, item in result.get("paths", {}).items():
        host = path.split("/")[2] if path.startswith("/api/") else ""
        for operation in item.values():
            operation["servers"] = [_server(host)]
            foreign = "staffToken" if host == "tenant" else "apiKey"
            operation["security"] = [s for s in operation.get("security", []) if foreign not in s]
            for tag in operation.get("tags", []):
                tags.setdefault(HOSTS.get(host, host), set()).add(tag)
    result["x-tagGroups"] = [{"name": name, "tags": sorted(names)} for name, names in tags.items()]
    return result
