"""The last route under /api/ on both hosts: every API path answers JSON, an unknown one included.

A known path asked for with a trailing slash is redirected (308, method and body kept) to its one
canonical, slash-less URL; anything else is a 404 in the one error shape.
"""

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from core.api.errors import error_body

NOT_FOUND_NAME = "api-not-found"
NOT_FOUND_MESSAGE = _("There is no API endpoint at this address.")


def canonical_path(request) -> str | None:
    """The slash-less path (and query) when the request's path ends in "/" and, without it, names an endpoint."""
    if not request.path_info.endswith("/"):
        return None
    try:
        match = resolve(request.path_info.rstrip("/"), getattr(request, "urlconf", None))
    except Resolver404:
        return None
    if match.url_name == NOT_FOUND_NAME:
        return None
    query = request.META.get("QUERY_STRING", "")
    return request.path.rstrip("/") + (f"?{query}" if query else "")


# No state changes here, whatever the method: a POST to a mistyped path gets the JSON 404, not a CSRF page.
@csrf_exempt
def api_not_found(request, *args, **kwargs):
    canonical = canonical_path(request)
    if canonical is not None:
        return HttpResponsePermanentRedirect(canonical, preserve_request=True)
    response = JsonResponse(error_body(status=404, code="not_found", message=NOT_FOUND_MESSAGE), status=404)
    response["Cache-Control"] = "private, no-store"
    return response
