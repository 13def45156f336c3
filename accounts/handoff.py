"""Carrying a login across hosts with one-time tickets (see LoginHandoff)."""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import LoginHandoff, User

TICKET_LIFETIME = timedelta(seconds=60)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def handoff_create(*, user: User, tenant, next_path: str = "/") -> str:
    """A raw ticket for `user` to log in on `tenant`'s host; valid once, for one minute."""
    raw = secrets.token_urlsafe(32)
    if not next_path.startswith("/") or next_path.startswith("//"):
        next_path = "/"
    LoginHandoff.objects.create(
        token_hash=_hash(raw),
        user=user,
        tenant=tenant,
        next_path=next_path,
        expires_at=timezone.now() + TICKET_LIFETIME,
    )
    return raw


def handoff_redeem(*, raw: str, tenant) -> tuple[User, str] | None:
    """The user and next path of a valid ticket for this tenant, marking it used; None otherwise."""
    now = timezone.now()
    updated = LoginHandoff.objects.filter(
        token_hash=_hash(raw or ""), tenant=tenant, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not updated:
        return None
    ticket = LoginHandoff.objects.select_related("user").get(token_hash=_hash(raw))
    if not ticket.user.is_active:
        return None
    next_path = ticket.next_path if url_has_allowed_host_and_scheme(ticket.next_path, allowed_hosts=None) else "/"
    return ticket.user, next_path
