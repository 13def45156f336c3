"""`Idempotency-Key` on the POSTs that create things: a retried request gets the first answer.

The key is scoped to the caller (user or API key), the tenant and the path. The first successful
(2xx) response's status and body are kept in Redis for 24 hours with a fingerprint of the request
(method and parsed body, uploaded files by content); the same key again returns them unchanged
(`Idempotent-Replayed: true`), the same key with another body is a 409 naming `Idempotency-Key`.
While the first request runs the key is reserved for a few minutes, so a parallel retry is a 409
too. A refused or failed first request keeps nothing: the client may retry with the same key.
Redis is the store; when it is down the request runs without idempotency (logged), as reads run
uncached.
"""

import functools
import hashlib
import json

import structlog
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from django_redis import get_redis_connection
from django_tenants.utils import schema_context
from redis.exceptions import RedisError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core.api.errors import DomainConflict

logger = structlog.get_logger(__name__)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100
WINDOW_SECONDS = 24 * 60 * 60
# How long a key stays reserved while its first request runs (a crashed worker frees it then).
PENDING_SECONDS = 5 * 60


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), cls=JSONEncoder)


def _files_digest(request) -> dict[str, list[str]]:
    digests = {}
    for name, uploads in request.FILES.lists():
        digests[name] = []
        for upload in uploads:
            sha = hashlib.sha256()
            for chunk in upload.chunks():
                sha.update(chunk)
            upload.seek(0)
            digests[name].append(sha.hexdigest())
    return digests


def request_fingerprint(request) -> str:
    """What makes two requests "the same": method and parsed body (form fields, and files by content)."""
    data = request.data
    if hasattr(data, "lists"):  # a form: every value of every field, files apart
        data = {name: values for name, values in data.lists() if name not in request.FILES}
    payload = {"method": request.method, "data": data, "files": _files_digest(request)}
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


def _caller(request) -> str:
    user_pk = getattr(request.user, "pk", None)
    if user_pk is not None:
        return f"user:{user_pk}"
    return f"key:{getattr(request.auth, 'pk', '')}"


def store_key(request, key: str) -> str:
    """The Redis key for `key` sent by this caller, on this tenant, to this path."""
    tenant = getattr(getattr(request, "tenant", None), "schema_name", "")
    scope = "\n".join([_caller(request), tenant, request.path, key])
    with schema_context("public"):  # the tenant is in the scope; the key must not depend on the search path
        return cache.make_key(f"idempotency:{hashlib.sha256(scope.encode()).hexdigest()}")


def header_key(request) -> str:
    """The request's Idempotency-Key ("" when none); longer than MAX_KEY_LENGTH is a 400 naming it."""
    key = request.headers.get(HEADER, "").strip()
    if len(key) > MAX_KEY_LENGTH:
        message = _("Use at most %(limit)d characters.") % {"limit": MAX_KEY_LENGTH}
        raise exceptions.ValidationError({HEADER: [message]})
    return key


def _replay(stored: bytes, fingerprint: str) -> Response:
    entry = json.loads(stored)
    if entry["fingerprint"] != fingerprint:
        raise DomainConflict({HEADER: [_("This key was already used for a different request in the last 24 hours.")]})
    if "status" not in entry:
        raise DomainConflict({HEADER: [_("A request with this key is still being processed; retry in a moment.")]})
    return Response(entry["body"], status=entry["status"], headers={"Idempotent-Replayed": "true"})


def _keep(conn, name: str, fingerprint: str, response) -> None:
    """Keep a success for the window; forget anything else so a corrected retry may run."""
    if not 200 <= response.status_code < 300:
        _forget(conn, name)
        return
    entry = {"fingerprint": fingerprint, "status": response.status_code, "body": response.data}
    try:
        conn.set(name, _canonical(entry), ex=WINDOW_SECONDS)
    except RedisError:
        logger.warning("idempotency_store_failed", key=name)


def _forget(conn, name: str) -> None:
    try:
        conn.delete(name)
    except RedisError:
        logger.warning("idempotency_store_failed", key=name)


def run_once(request, key: str, run) -> Response:
    """`run()`'s response, or the one stored for `key` by an earlier identical request (see the module)."""
    fingerprint = request_fingerprint(request)
    name = store_key(request, key)
    try:
        conn = get_redis_connection("default")
        reserved = conn.set(name, _canonical({"fingerprint": fingerprint}), nx=True, ex=PENDING_SECONDS)
        stored = None if reserved else conn.get(name)
    except RedisError:
        logger.warning("idempotency_unavailable", path=request.path)
        return run()
    if not reserved:
        if stored is None:  # expired between the two commands: nothing to replay
            return run()
        return _replay(stored, fingerprint)
    try:
        response = run()
    except BaseException:
        _forget(conn, name)
        raise
    _keep(conn, name, fingerprint, response)
    return response


def idempotent(handler):
    """Decorate an API view's POST: honour the Idempotency-Key header (runs after authentication and the policy)."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = header_key(request)
        if not key:
            return handler(view, request, *args, **kwargs)
        return run_once(request, key, lambda: handler(view, request, *args, **kwargs))

    wrapper.idempotent = True  # the OpenAPI contract documents the header and its 409 (core/api/schema.py)
    return wrapper
