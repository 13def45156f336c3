"""One e-mail handed to the mail server at most once: refused (safe to retry) or maybe sent (a person decides).

A server that stores the message and answers the end of DATA after our timeout has the message, but the
client sees a timeout. Retrying blindly sends it again each time, so the outcome of a send is three-way:
sent, refused (`MailNotSent`: no connection, or an error reply, so the server certainly has nothing), or
maybe sent (`MailMaybeSent`: the conversation broke while the message was being handed over). Every message
also carries a Message-ID derived from its row (`mail_message_id`), so if a person sends it again the
receiving server or client can recognise the duplicate.
"""

import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection


class MailNotSent(Exception):
    """The server certainly did not take the message: sending it again sends it once."""


class MailMaybeSent(Exception):
    """The server may have taken the message: do not send it again without a person deciding."""


def mail_message_id(kind: str, *parts) -> str:
    """A Message-ID that is the same on every attempt for one row (`<kind.part.part@sender domain>`)."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "alquimista.invalid"
    return f"<{'.'.join([kind, *map(str, parts)])}@{domain}>"


def mail_send_once(email: EmailMessage) -> None:
    """Send `email` through the configured backend; raise MailNotSent or MailMaybeSent, never retry.

    Connecting (and TLS, login) is separated from the conversation about the message: a failure there
    means nothing was handed over. Once the message is under way, only an SMTP error reply proves the
    server refused it; a timeout or a dropped connection is "maybe sent".
    """
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception as exc:
        raise MailNotSent(_smtp_summary(exc)) from exc
    try:
        email.connection = connection
        connection.send_messages([email])
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
        raise MailNotSent(_smtp_summary(exc)) from exc
    except Exception as exc:
        raise MailMaybeSent(_smtp_summary(exc)) from exc
    finally:
        _close_quietly(connection)


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # the outcome is already decided; a failed QUIT changes nothing
        return


def _smtp_summary(exc: Exception) -> str:
    """SMTP class and reply code(s) only; never the server's text, which often quotes the recipient."""
    codes = {getattr(exc, "smtp_code", None)}
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = {code for code, _ in exc.recipients.values()}
    codes = sorted(code for code in codes if isinstance(code, int))
    return " ".join(["SMTP:", type(exc).__name__, *map(str, codes)])
