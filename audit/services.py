"""Writing the audit log."""

import structlog

from audit.models import OperationalEvent
from core.observability.client_ip import client_ip

logger = structlog.get_logger(__name__)


def _request_meta(request) -> dict:
    if request is None:
        return {"request_id": "", "ip": None}
    return {"request_id": getattr(request, "request_id", ""), "ip": client_ip(request)}


def event_record(
    *,
    action: str,
    actor=None,
    actor_email: str = "",
    tenant=None,
    target_type: str = "",
    target_id: str | int = "",
    before: dict | None = None,
    after: dict | None = None,
    request=None,
) -> OperationalEvent:
    """Append one audit event. `before`/`after` must never hold secret values."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if actor is not None and getattr(actor, "pk", None) is None:
        actor = None  # API-key principals are not users; they name themselves in actor_email
    if tenant is not None and getattr(tenant, "is_public", False):
        tenant = None
    event = OperationalEvent.objects.create(
        action=action,
        actor=actor,
        actor_email=actor_email or (actor.email if actor is not None else ""),
        tenant=tenant,
        tenant_slug=tenant.slug if tenant is not None else "",
        target_type=target_type,
        target_id=str(target_id) if target_id != "" else "",
        before=before,
        after=after,
        **_request_meta(request),
    )
    logger.info(
        "audit_event", action=action, actor=event.actor_email, target_type=target_type, target_id=event.target_id
    )
    return event
