"""Request id, access log, metrics and the probe endpoints."""

import re
import time
import uuid

import structlog
from django.http import HttpResponse, JsonResponse

from core.observability import metrics, readiness
from core.observability.logging import mask_tokens

logger = structlog.get_logger("alquimista.request")
REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")


def logged_path(request) -> str:
    """The route pattern (`/reset/<uidb64>/<token>/`), never the values in it; raw paths masked."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route
    return mask_tokens(request.path)


class ProbeMiddleware:
    """Answers /healthz, /readyz and /metrics on any host, before tenant resolution.

    Load balancers and Prometheus reach a pod by IP; these must not depend on a Domain row.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            results = readiness.run_checks()
            ok = all(result.ok for result in results)
            body = {
                "status": "ok" if ok else "unavailable",
                "checks": {result.name: result.as_dict() for result in results},
            }
            if not ok:
                body["failed"] = [result.name for result in results if not result.ok]
            return JsonResponse(body, status=200 if ok else 503)
        if request.path == "/metrics":
            return HttpResponse(metrics.render_metrics(), content_type="text/plain; version=0.0.4")
        return self.get_response(request)


class RequestContextMiddleware:
    """Gives every request an id (accepted from X-Request-ID), logs it once, and measures it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(REQUEST_ID_HEADER, "")
        request.request_id = incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request.request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = getattr(getattr(request, "resolver_match", None), "view_name", None) or "unresolved"
        metrics.REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        metrics.LATENCY.labels(view, request.method).observe(elapsed)
        response["X-Request-ID"] = request.request_id
        logger.info(
            "request",
            method=request.method,
            path=logged_path(request),
            view=view,
            status=response.status_code,
            ms=round(elapsed * 1000, 1),
        )
        structlog.contextvars.clear_contextvars()
        return response


class LogContextMiddleware:
    """Binds tenant and user to the log context once both are known."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        user = getattr(request, "user", None)
        structlog.contextvars.bind_contextvars(
            tenant=getattr(tenant, "schema_name", None),
            user_id=user.pk if user is not None and user.is_authenticated else None,
        )
        return self.get_response(request)
