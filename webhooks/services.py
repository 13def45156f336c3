"""Registering endpoints, emitting events, and delivering them: signed, retried with backoff, logged.

Delivery is at least once: an event's deliveries are committed with the change that caused it and sent
by a task after the commit; beat re-sends what a lost message or a failed attempt left pending. Each
attempt locks its delivery row, so two workers never send the same delivery at once. A receiver dedupes
on the `Alquimista-Delivery` header (one id per delivery, the same on every retry of it).
"""

import json
import time
import uuid
from datetime import timedelta

import requests
import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import event_record
from core.tasks import publish_on_commit
from webhooks.destinations import DestinationRefused, destination_check
from webhooks.models import EVENT_TYPES, WebhookDelivery, WebhookEndpoint
from webhooks.signing import signature, signing_key

logger = structlog.get_logger(__name__)

MAX_ENDPOINTS = 10
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6))
MAX_ATTEMPTS = len(BACKOFF) + 1
SUBSCRIBABLE = frozenset(code for code, _ in EVENT_TYPES)


def _owner(tenant):
    return None if tenant is None or tenant.is_public else tenant


def _validated(*, url: str, events: list[str], description: str) -> dict:
    errors = {}
    try:
        destination_check(url)
    except DestinationRefused as refused:
        errors["url"] = str(refused)
    if not events or not set(events) <= SUBSCRIBABLE:
        errors["events"] = f"Choose one or more of: {', '.join(sorted(SUBSCRIBABLE))}."
    if errors:
        raise ValidationError(errors)
    return {"url": url, "events": sorted(set(events)), "description": description}


def endpoint_create(
    *, tenant, url: str, events: list[str], description: str = "", enabled: bool = True, actor=None, request=None
):
    tenant = _owner(tenant)
    fields = _validated(url=url, events=events, description=description)
    with transaction.atomic():
        if WebhookEndpoint.objects.filter(tenant=tenant).count() >= MAX_ENDPOINTS:
            raise ValidationError({"url": f"At most {MAX_ENDPOINTS} endpoints; remove one first."})
        endpoint = WebhookEndpoint.objects.create(tenant=tenant, created_by=_user(actor), enabled=enabled, **fields)
        event_record(
            action="webhook.created",
            actor=actor,
            tenant=tenant,
            target_type="webhook",
            target_id=endpoint.pk,
            after={"url": endpoint.url, "events": endpoint.events},
            request=request,
        )
    return endpoint


def endpoint_update(*, endpoint: WebhookEndpoint, data: dict, actor=None, request=None) -> WebhookEndpoint:
    before = {"url": endpoint.url, "events": endpoint.events, "enabled": endpoint.enabled}
    fields = _validated(
        url=data.get("url", endpoint.url),
        events=data.get("events", endpoint.events),
        description=data.get("description", endpoint.description),
    )
    with transaction.atomic():
        for name, value in {**fields, "enabled": data.get("enabled", endpoint.enabled)}.items():
            setattr(endpoint, name, value)
        endpoint.save()
        event_record(
            action="webhook.updated",
            actor=actor,
            tenant=endpoint.tenant,
            target_type="webhook",
            target_id=endpoint.pk,
            before=before,
            after={"url": endpoint.url, "events": endpoint.events, "enabled": endpoint.enabled},
            request=request,
        )
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint, actor=None, request=None) -> None:
    with transaction.atomic():
        event_record(
            action="webhook.deleted",
            actor=actor,
            tenant=endpoint.tenant,
            target_type="webhook",
            target_id=endpoint.pk,
            before={"url": endpoint.url, "events": endpoint.events},
            request=request,
        )
        endpoint.delete()


def _user(actor):
    return actor if getattr(actor, "pk", None) is not None and getattr(actor, "is_authenticated", False) else None


def _payload(*, event_type: str, tenant, data: dict) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "created_at": timezone.now().isoformat(),
        "tenant": {"id": tenant.pk, "slug": tenant.slug} if tenant is not None else None,
        "data": data,
    }


def webhook_emit(*, tenant, event_type: str, data: dict) -> int:
    """Queue `event_type` for every enabled endpoint subscribed to it: the tenant's and the company's.

    Runs inside the caller's transaction: the deliveries exist if and only if the change does.
    """
    tenant = _owner(tenant)
    endpoints = WebhookEndpoint.objects.filter(enabled=True, events__contains=[event_type])
    endpoints = (
        endpoints.filter(Q(tenant__isnull=True) | Q(tenant=tenant)) if tenant else endpoints.filter(tenant__isnull=True)
    )
    payload = _payload(event_type=event_type, tenant=tenant, data=data)
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event_type=event_type, payload=payload) for endpoint in endpoints
    )
    from webhooks.tasks import deliver  # noqa: PLC0415  (the task module imports this one)

    for delivery in deliveries:
        publish_on_commit(deliver, str(delivery.pk))
    return len(deliveries)


def _send(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """One POST; (status code, error) — the error is short and never holds the body or the key."""
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    try:
        destination_check(endpoint.url)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Alquimista-Webhooks/1",
            "Alquimista-Event": delivery.event_type,
            "Alquimista-Delivery": str(delivery.pk),
            "Alquimista-Signature": signature(signing_key(endpoint.tenant), int(time.time()), body),
        }
        response = requests.post(
            endpoint.url, data=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT_SECONDS, allow_redirects=False
        )
    except DestinationRefused as refused:
        return None, str(refused)
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: the endpoint did not answer in time or refused the connection."
    except Exception as error:  # the secret store, say: the attempt fails and is retried, the worker goes on
        logger.warning("webhook_send_failed", delivery=str(delivery.pk), error=type(error).__name__)
        return None, f"{type(error).__name__} before sending."
    return response.status_code, "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"


def delivery_attempt(delivery_id, *, now=None) -> WebhookDelivery | None:
    """Attempt a pending, due delivery once; None if it is not pending, not due, or another worker holds it."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint__tenant")
            .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .first()
        )
        if delivery is None:
            return None
        status_code, error = _send(delivery)
        delivery.attempts += 1
        delivery.response_status = status_code
        delivery.last_error = error[:300]
        if not error:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", timezone.now(), None
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = "failed", None
        else:
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        delivery.save()
    logger.info("webhook_attempt", delivery=str(delivery.pk), status=delivery.status, code=status_code)
    return delivery


def delivery_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `ping` to `endpoint` now, whether or not it is enabled: the answer shows what the receiver said."""
    payload = _payload(event_type="ping", tenant=endpoint.tenant, data={"endpoint_id": endpoint.pk})
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event_type="ping", payload=payload)
    return delivery_attempt(delivery.pk) or delivery


def delivery_redeliver(*, delivery: WebhookDelivery, actor=None, request=None) -> WebhookDelivery:
    """The same event (same payload and event id) as a new delivery with its own id and attempts."""
    with transaction.atomic():
        again = WebhookDelivery.objects.create(
            endpoint=delivery.endpoint, event_type=delivery.event_type, payload=delivery.payload
        )
        event_record(
            action="webhook.redelivered",
            actor=actor,
            tenant=delivery.endpoint.tenant,
            target_type="webhook_delivery",
            target_id=again.pk,
            before={"delivery": str(delivery.pk)},
            request=request,
        )
        from webhooks.tasks import deliver  # noqa: PLC0415  (the task module imports this one)

        publish_on_commit(deliver, str(again.pk))
    return again


def deliveries_due(*, now=None) -> list[str]:
    """Pending deliveries whose time has come (a retry) or whose first message was lost."""
    now = now or timezone.now()
    lost = Q(next_attempt_at__isnull=True, created_at__lte=now - timedelta(seconds=settings.REQUEUE_AFTER_SECONDS))
    due = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).filter(
        lost | Q(next_attempt_at__lte=now)
    )
    return [str(pk) for pk in due.values_list("pk", flat=True)[:500]]
