"""API keys: creation (shown once), revocation, and verification on the tenant's host."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey
from audit.services import event_record

KEY_PREFIX = "alq"
LAST_USED_PRECISION = timedelta(minutes=1)  # at most one write per key per minute


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            tenant=tenant,
            name=name,
            prefix=prefix,
            secret_hash=_hash(secret),
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


def api_key_revoke(*, key: ApiKey, actor=None, request=None) -> ApiKey:
    with transaction.atomic():
        updated = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        key.refresh_from_db()
        if updated:
            event_record(
                action="api_key.revoked",
                actor=actor,
                tenant=key.tenant,
                target_type="api_key",
                target_id=key.pk,
                before={"name": key.name, "prefix": key.prefix},
                request=request,
            )
    return key


def api_key_authenticate(*, raw: str, tenant) -> ApiKeyPrincipal | None:
    """The principal for a raw key presented on `tenant`'s host, or None (unknown, revoked, other tenant)."""
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    _, prefix, secret = parts
    key = ApiKey.objects.filter(prefix=prefix).first()  # only tenant_id is compared: no join
    if key is None or not secrets.compare_digest(key.secret_hash, _hash(secret)):
        return None
    if not key.is_active or tenant is None or key.tenant_id != tenant.pk:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return ApiKeyPrincipal(key=key)
