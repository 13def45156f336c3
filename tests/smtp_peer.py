"""A real SMTP server (aiosmtpd) on loopback for tests that send e-mail through Django's SMTP backend."""

import asyncio
import threading
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from conftest import free_port


class Inbox:
    """Accepts every message; `messages` holds (recipients, raw message) pairs."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode(errors="replace")))
        return "250 OK"


class SlowAckInbox(Inbox):
    """Stores each message, then answers the end of DATA only after `delay` seconds: past the client's
    timeout, the client sees no acknowledgement although the server has the message (as slow relays do).

    `stored` is set once a message is stored: the client is then waiting for the acknowledgement.
    """

    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay
        self.stored = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        self.stored.set()
        await asyncio.sleep(self.delay)
        return reply


@contextmanager
def smtp_peer(settings, handler, port: int | None = None):
    """Serve `handler` on loopback (on `port`, or a free one) and point Django's e-mail at it."""
    controller = Controller(handler, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    try:
        yield handler
    finally:
        controller.stop()
