"""Delivering an outbound message: e-mail (SMTP through Django's backend), a calendar invite by
e-mail (iCalendar), WhatsApp through the Cloud API over HTTP. Each raises SendFailed when the peer
certainly did not take the message (safe to try again), and SendMaybeSent when it may have (a timeout
after the message was handed over): that one is never retried by itself.

A SendFailed's text is stored (outbox last_error, the decision's error) and logged by Celery's retries,
so it names only the exception class and the SMTP/HTTP status code: the peer's message and the
exception's own text often quote the recipient's address or phone."""

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection
from urllib3.exceptions import ProtocolError

from core.mail import MailMaybeSent, MailNotSent, mail_message_id, mail_send_once
from integrations.models import Integration
from vault import SecretStoreError, get_secret_store


class SendFailed(Exception):
    """The peer certainly did not take the message: another attempt sends it once."""


class SendMaybeSent(Exception):
    """The peer may have taken the message (it did not answer in time): no automatic retry."""


def outbox_message_id(message) -> str:
    """The Message-ID of an outbox row, the same on every attempt: a re-send can be recognised as one."""
    return mail_message_id("outbox", connection.schema_name, message.pk)


def _mail(message, email: EmailMessage) -> None:
    email.extra_headers["Message-ID"] = outbox_message_id(message)
    try:
        mail_send_once(email)
    except MailNotSent as failure:
        raise SendFailed(str(failure)) from None
    except MailMaybeSent as failure:
        raise SendMaybeSent(str(failure)) from None


def send_email(message) -> None:
    email = EmailMessage(
        subject=message.payload.get("subject", "Alquimista"), body=message.payload["body"], to=[message.recipient]
    )
    _mail(message, email)


def send_calendar(message) -> None:
    email = EmailMessage(
        subject=message.payload.get("subject", "Invitation"), body=message.payload["body"], to=[message.recipient]
    )
    email.attach("invite.ics", message.payload["ics"], "text/calendar; method=REQUEST")
    _mail(message, email)


def _request_maybe_delivered(exc: requests.RequestException) -> bool:
    """Whether the request may have reached the API: the connection broke after it was written."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ReadTimeout | requests.exceptions.ChunkedEncodingError):
        return True
    return isinstance(exc, requests.ConnectionError) and bool(exc.args) and isinstance(exc.args[0], ProtocolError)


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
            timeout=settings.WHATSAPP_API_TIMEOUT,
        )
    except requests.RequestException as exc:
        if _request_maybe_delivered(exc):
            raise SendMaybeSent(f"WhatsApp API did not answer: {type(exc).__name__}") from None
        raise SendFailed(f"WhatsApp API unreachable: {type(exc).__name__}") from None
    if response.status_code >= 300:
        raise SendFailed(f"WhatsApp API answered {response.status_code}")


SENDERS = {"email": send_email, "calendar": send_calendar, "whatsapp": send_whatsapp}
