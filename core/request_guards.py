"""Requests the application cannot serve, answered before or instead of a 500.

- A NUL character in a query parameter or a page's form field is a 400 naming it: PostgreSQL refuses
  NUL in text, so a value reaching a query (a hand-read filter, a form field without a validator) would
  otherwise be a 500. The API names the parameter in the one error shape; pages say it in plain text.
- An unreachable database (OperationalError, InterfaceError) is a 503 with Retry-After, not a 500: the
  server error handler (alquimista/views.py) and the API's (core/api/errors.py) both answer it.
"""

from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.api.errors import RETRY_AFTER_SECONDS

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def _nul_field(query_dict) -> str | None:
    for key, values in query_dict.lists():
        if "\x00" in key:
            return "\ufffd".join(key.split("\x00"))
        if any("\x00" in value for value in values if isinstance(value, str)):
            return key
    return None


def nul_field_of(request) -> str | None:
    """The first query parameter (or, on a page, form field) whose name or value holds a NUL character."""
    field = _nul_field(request.GET)
    if field is None and not is_api(request) and request.content_type in FORM_CONTENT_TYPES:
        # The API's bodies are read by its parsers and declared serializers (which refuse NUL themselves).
        field = _nul_field(request.POST)
    return field


class NulInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            field = nul_field_of(request)
        except (SuspiciousOperation, MultiPartParserError):
            # Too large or too many fields: the view meets the same error and answers it in its own
            # shape (a 4xx); after a broken multipart body Django gives the view an empty form.
            field = None
        if field is None:
            return self.get_response(request)
        message = _("“%(field)s” contains a NUL character.") % {"field": field}
        if is_api(request):
            return JsonResponse(
                {
                    "error": {
                        "status": 400,
                        "code": "invalid",
                        "message": _("Some fields are invalid."),
                        "fields": {field: [_("Null characters are not allowed.")]},
                    }
                },
                status=400,
            )
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def database_outage_response(request, exc) -> HttpResponse | None:
    """The 503 (JSON on the API, a page elsewhere) for an unreachable database; None for any other error.

    Rendered without the request: context processors would ask the database for the user.
    """
    if not isinstance(exc, OperationalError | InterfaceError):
        return None
    message = _("The database is unavailable; try again in a moment.")
    if is_api(request):
        response = JsonResponse({"error": {"status": 503, "code": "unavailable", "message": message}}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
