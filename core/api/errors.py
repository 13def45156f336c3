"""One JSON error shape for the whole API:

{"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"period": ["..."]}}}
"""

import structlog
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = structlog.get_logger(__name__)


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


class DomainConflict(exceptions.ValidationError):
    status_code = 409
    default_code = "conflict"


def _as_api_exception(exc):
    """Django's and the domain's errors as DRF's, once for every endpoint.

    A service's ValidationError names its fields (400; a domain error may carry `http_status = 409`);
    Django's PermissionDenied keeps the reason the service gave (403).
    """
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return (DomainConflict if getattr(exc, "http_status", 400) == 409 else exceptions.ValidationError)(detail)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def api_exception_handler(exc, context):
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("api_unhandled_error", view=type(context.get("view")).__name__)
        return Response(
            {
                "error": {
                    "status": 500,
                    "code": "server_error",
                    "message": "Something went wrong; the error was logged.",
                }
            },
            status=500,
        )
    detail = response.data
    error = {
        "status": response.status_code,
        "code": getattr(exc, "default_code", "error") if not hasattr(exc, "get_codes") else _code_of(exc),
        "message": "Some fields are invalid."
        if isinstance(exc, exceptions.ValidationError)
        else _first_message(detail),
    }
    if isinstance(exc, exceptions.ValidationError):
        error["fields"] = detail if isinstance(detail, dict) else {"non_field_errors": detail}
    response.data = {"error": error}
    return response


def _code_of(exc) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return getattr(exc, "default_code", "error")
