"""One JSON error shape for the whole API:

{"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"period": ["..."]}}}
"""

import structlog
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _
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


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"
    default_detail = _("The request body is larger than this endpoint accepts.")


class DatabaseUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "unavailable"
    default_detail = _("The database is unavailable; try again in a moment.")


def error_body(*, status: int, code: str, message) -> dict:
    """The one shape, for the responses DRF's handler never sees (the unknown-path 404)."""
    return {"error": {"status": status, "code": code, "message": str(message)}}


# Seconds a client should wait before retrying while the database is unreachable (pages say the same).
RETRY_AFTER_SECONDS = 30


def _request_error(exc):
    """Django's refusals of a request body (size, field count, other suspicious input) as DRF's, else None."""
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return exceptions.ValidationError({"body": [_("The request body has too many fields.")]})
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ValidationError({"body": [_("The request could not be read.")]})
    return None


def _as_api_exception(exc):
    """Django's and the domain's errors as DRF's, once for every endpoint.

    A service's ValidationError names its fields (400; a domain error may carry `http_status = 409`);
    Django's PermissionDenied keeps the reason the service gave (403); an oversized body is a 413 and
    one with too many fields a 400 naming `body`; an unreachable database is a 503 with Retry-After.
    """
    if isinstance(exc, OperationalError | InterfaceError):
        return DatabaseUnavailable()
    request_error = _request_error(exc)
    if request_error is not None:
        return request_error
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
            error_body(status=500, code="server_error", message=_("Something went wrong; the error was logged.")),
            status=500,
        )
    detail = response.data
    error = {
        "status": response.status_code,
        "code": getattr(exc, "default_code", "error") if not hasattr(exc, "get_codes") else _code_of(exc),
        "message": str(_("Some fields are invalid."))
        if isinstance(exc, exceptions.ValidationError)
        else _first_message(detail),
    }
    if isinstance(exc, exceptions.ValidationError):
        error["fields"] = detail if isinstance(detail, dict) else {"non_field_errors": detail}
    if isinstance(exc, DatabaseUnavailable):
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.data = {"error": error}
    return response


def _code_of(exc) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return getattr(exc, "default_code", "error")
