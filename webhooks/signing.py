"""How a delivery is signed, and how a receiver checks it (README "Webhooks" shows the same in a few lines).

`Alquimista-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed with the
tenant's webhook key (the secret store's `tenant/<slug>/webhook-api-key`; rotating it re-keys the next
delivery) or, for the company's endpoints, `platform/webhook-signing-key`. A receiver recomputes the HMAC
over the raw body, compares in constant time and refuses a `t` older than the replay window.
"""

import hashlib
import hmac
import secrets
import time

from vault import get_secret_store

REPLAY_WINDOW_SECONDS = 300
COMPANY_SECRET = "platform/webhook-signing-key"


def tenant_secret_name(slug: str) -> str:
    return f"tenant/{slug}/webhook-api-key"


def signing_key(tenant) -> str:
    """The key deliveries of `tenant` (None: the company) are signed with. Provisioning stores a tenant's; one
    that has none (created before keys were provisioned) and the company get theirs on first use."""
    store = get_secret_store()
    name = COMPANY_SECRET if tenant is None else tenant_secret_name(tenant.slug)
    if not store.exists(name):
        tags = {"kind": "webhook", **({"tenant": tenant.slug} if tenant is not None else {})}
        store.put(name, secrets.token_urlsafe(48), tags=tags, actor="system")
    return store.get(name).reveal()


def signature(key: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(key.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signature_valid(key: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """What a receiver does: the header's HMAC matches the raw body, and it is not older than the window."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > REPLAY_WINDOW_SECONDS:
        return False
    return hmac.compare_digest(signature(key, timestamp, body), f"t={timestamp},v1={parts.get('v1', '')}")
