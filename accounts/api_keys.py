"""API keys: creation (shown once), revocation, and verification on the tenant's host.

A verified key's row is kept in Redis for a minute (`KEY_CACHE_SECONDS`), so an API request
costs no database round trip to authenticate; revoking or deleting a key forgets it once the
change commits. Only the row is cached (the secret's hash, as in the table), never a raw key.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.credentials import credential_new, credential_revoke, secret_hash, secret_matches
from accounts.models import ApiKey
from audit.services import event_record

KEY_PREFIX = "alq"
LAST_USED_PRECISION = timedelta(minutes=1)  # at most one write per key per minute
KEY_CACHE_SECONDS = 60
_CACHED_FIELDS = (
    "id",
    "tenant_id",
    "name",
    "prefix",
    "secret_hash",
    "scopes",
    "created_at",
    "last_used_at",
    "revoked_at",
)


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """Who a request authenticated with an API key is: the key, on behalf of its tenant."""

    key: ApiKey
    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None

    @property
    def email(self) -> str:
        return f"api-key:{self.key.prefix}"

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.key.scopes)


def api_key_create(*, tenant, name: str, scopes: list[str], actor=None, request=None) -> tuple[ApiKey, str]:
    """Create a key; returns it with the raw value, which is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the key a name."})
    limit = ApiKey._meta.get_field("name").max_length
    if len(name) > limit:
        raise ValidationError({"name": f"Use at most {limit} characters."})
    if "\x00" in name:
        raise ValidationError({"name": "Null characters are not allowed."})
    valid = set(ApiKey.Scope.values)
    if not scopes or not set(scopes) <= valid:
        raise ValidationError({"scopes": f"Choose one or more of: {', '.join(sorted(valid))}."})
    prefix, secret = credential_new()
    with transaction.atomic():
        key = ApiKey.objects.create(
            tenant=tenant,
            name=name,
            prefix=prefix,
            secret_hash=secret_hash(secret),
            scopes=sorted(set(scopes)),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        event_record(
            action="api_key.created",
            actor=actor,
            tenant=tenant,
            target_type="api_key",
            target_id=key.pk,
            after={"name": key.name, "prefix": prefix, "scopes": key.scopes},
            request=request,
        )
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def _cache_key(prefix: str) -> str:
    return f"api-key:{prefix}"


def _key_remember(key: ApiKey) -> None:
    with schema_context("public"):  # cache keys carry the current schema (django_tenants.cache.make_key)
        cache.set(_cache_key(key.prefix), {name: getattr(key, name) for name in _CACHED_FIELDS}, KEY_CACHE_SECONDS)


def api_key_forget(prefix: str) -> None:
    """Drop a key's cached row when the current transaction commits (now, outside one)."""

    def forget():
        with schema_context("public"):
            cache.delete(_cache_key(prefix))

    transaction.on_commit(forget)


def _key_by_prefix(prefix: str) -> ApiKey | None:
    with schema_context("public"):
        fields = cache.get(_cache_key(prefix))
    if fields is not None:
        return ApiKey(**fields)
    key = ApiKey.objects.filter(prefix=prefix).first()  # only tenant_id is compared: no join
    if key is not None:
        _key_remember(key)
    return key


def api_key_revoke(*, key: ApiKey, actor=None, request=None) -> ApiKey:
    key = credential_revoke(key, kind="api_key", actor=actor, tenant=key.tenant, request=request)
    api_key_forget(key.prefix)
    return key


def api_key_authenticate(*, raw: str, tenant) -> ApiKeyPrincipal | None:
    """The principal for a raw key presented on `tenant`'s host, or None (unknown, revoked, other tenant)."""
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    _, prefix, secret = parts
    key = _key_by_prefix(prefix)
    if key is None or not secret_matches(key.secret_hash, secret):
        return None
    if not key.is_active or tenant is None or key.tenant_id != tenant.pk:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
        _key_remember(key)
    return ApiKeyPrincipal(key=key)
