"""Delivering an outbound message: e-mail (SMTP through Django's backend), a calendar invite by
e-mail (iCalendar), WhatsApp through the Cloud API over HTTP. Each raises SendFailed."""

import requests
from django.conf import settings
from django.core.mail import EmailMessage

from integrations.models import Integration
from tenants.secrets import SecretStoreError, get_secret_store


class SendFailed(Exception):
    pass


def send_email(message) -> None:
    email = EmailMessage(
        subject=message.payload.get("subject", "Alquimista"), body=message.payload["body"], to=[message.recipient]
    )
    try:
        email.send()
    except Exception as exc:
        raise SendFailed(f"SMTP: {type(exc).__name__}: {exc}") from None


def send_calendar(message) -> None:
    email = EmailMessage(
        subject=message.payload.get("subject", "Invitation"), body=message.payload["body"], to=[message.recipient]
    )
    email.attach("invite.ics", message.payload["ics"], "text/calendar; method=REQUEST")
    try:
        email.send()
    except Exception as exc:
        raise SendFailed(f"SMTP: {type(exc).__name__}: {exc}") from None


def send_whatsapp(message) -> None:
    integration = Integration.objects.filter(kind="whatsapp", status=Integration.Status.OK).order_by("pk").first()
    if integration is None or not integration.secret_ref:
        raise SendFailed("no active WhatsApp integration with a credential")
    try:
        token = get_secret_store().get(integration.secret_ref)
    except SecretStoreError as exc:
        raise SendFailed(f"credential unavailable: {exc}") from None
    body = {
        "messaging_product": "whatsapp",
        "to": message.recipient.lstrip("+"),
        "type": "text",
        "text": {"body": message.payload["body"]},
    }
    try:
        response = requests.post(
            f"{settings.WHATSAPP_API_BASE_URL.rstrip('/')}/messages",
            json=body,
            headers={"Authorization": f"Bearer {token.reveal()}"},
            timeout=10,
        )
    except requests.RequestException as exc:
        raise SendFailed(f"WhatsApp API unreachable: {type(exc).__name__}") from None
    if response.status_code >= 300:
        raise SendFailed(f"WhatsApp API answered {response.status_code}")


SENDERS = {"email": send_email, "calendar": send_calendar, "whatsapp": send_whatsapp}
