"""Delivering an outbound message: e-mail (SMTP through Django's backend), a calendar invite by
e-mail (iCalendar), WhatsApp through the Cloud API over HTTP. Each raises SendFailed.

A SendFailed's text is stored (outbox last_error, the decision's error) and logged by Celery's retries,
so it names only the exception class and the SMTP/HTTP status code: the peer's message and the
exception's own text often quote the recipient's address or phone."""

import smtplib

import requests
from django.conf import settings
from django.core.mail import EmailMessage

from integrations.models import Integration
from vault import SecretStoreError, get_secret_store


class SendFailed(Exception):
    pass


def _smtp_failed(exc: Exception) -> SendFailed:
    """SMTP class and reply code(s) only; never the server's text, which quotes the recipient."""
    codes = {getattr(exc, "smtp_code", None)}
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = {code for code, _ in exc.recipients.values()}
    codes = sorted(code for code in codes if isinstance(code, int))
    return SendFailed(" ".join(["SMTP:", type(exc).__name__, *map(str, codes)]))


def send_email(message) -> None:
    email = EmailMessage(
        subject=message.payload.get("subject", "Alquimista"), body=message.payload["body"], to=[message.recipient]
    )
    try:
        email.send()
    except Exception as exc:
        raise _smtp_failed(exc) from None


def send_calendar(message) -> None:
    email = EmailMessage(
        subject=message.payload.get("subject", "Invitation"), body=message.payload["body"], to=[message.recipient]
    )
    email.attach("invite.ics", message.payload["ics"], "text/calendar; method=REQUEST")
    try:
        email.send()
    except Exception as exc:
        raise _smtp_failed(exc) from None


def send_whatsapp(message) -> None:
    integration = Integration.objects.filter(kind="whatsapp", status=Integration.Status.OK).order_by("pk").first()
    if integration is None or not integration.secret_ref:
        raise SendFailed("no active WhatsApp integration with a credential")
    try:
        token = get_secret_store().get(integration.secret_ref)
    except SecretStoreError as exc:
        raise SendFailed(f"credential unavailable: {type(exc).__name__}") from None
    # The Cloud API sends from one business number: POST <base>/<phone_number_id>/messages.
    phone_number_id = str((integration.config or {}).get("phone_number_id") or "")
    if not (phone_number_id.isascii() and phone_number_id.isdecimal()):
        raise SendFailed("the WhatsApp integration's config has no phone_number_id (the sending number's id)")
    body = {
        "messaging_product": "whatsapp",
        "to": message.recipient.lstrip("+"),
        "type": "text",
        "text": {"body": message.payload["body"]},
    }
    try:
        response = requests.post(
            f"{settings.WHATSAPP_API_BASE_URL.rstrip('/')}/{phone_number_id}/messages",
            json=body,
            headers={"Authorization": f"Bearer {token.reveal()}"},
            timeout=10,
        )
    except requests.RequestException as exc:
        raise SendFailed(f"WhatsApp API unreachable: {type(exc).__name__}") from None
    if response.status_code >= 300:
        raise SendFailed(f"WhatsApp API answered {response.status_code}")


SENDERS = {"email": send_email, "calendar": send_calendar, "whatsapp": send_whatsapp}
