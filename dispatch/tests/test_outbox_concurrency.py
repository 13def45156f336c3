"""Two deliveries of one outbox message at the same time (a task redelivered beside the first): one sends,
and no row lock is held while it talks to the mail server.

Not in test_dispatch.py: its rows must be committed for the second connection to see them.
"""

import threading

from django.db import connection, transaction
from django_tenants.utils import tenant_context

from dispatch.models import Lead, OutboundMessage
from dispatch.outbox import deliver
from tenants.models import Tenant
from tests.smtp_peer import SlowAckInbox, smtp_peer


def test_a_message_another_worker_is_sending_is_skipped_and_not_locked(transactional_db_free, settings):
    """The first delivery claims the row (committed) and talks to a slow server; a second delivery skips it,
    and the row can be locked from another connection meanwhile: nothing holds it across the network."""

    settings.DISPATCH_ENABLED = True
    settings.EMAIL_TIMEOUT = 3
    acme = Tenant.objects.get(slug="acme")
    acme.settings = {**acme.settings, "dispatch_enabled": True}  # in memory only: deliver is given the tenant
    with tenant_context(acme):
        lead = Lead.objects.create(name="Concurrent Lead", email="twice@lead.test", email_opt_in=True)
        message = OutboundMessage.objects.create(
            lead=lead, channel="email", recipient="twice@lead.test", payload={"body": "hi"}, dedupe_key="concurrent-1"
        )
    outcome = {}

    def first_worker():
        try:
            with tenant_context(acme):
                outcome["first"] = deliver(message.pk, tenant=acme)
        finally:
            connection.close()

    try:
        with smtp_peer(settings, SlowAckInbox(delay=4)) as inbox:
            worker = threading.Thread(target=first_worker)
            worker.start()
            assert inbox.stored.wait(10)  # the server has it; the first worker waits for the acknowledgement
            with tenant_context(acme):
                assert deliver(message.pk, tenant=acme) == "skipped"
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '1s'")
                    row = OutboundMessage.objects.select_for_update().values_list("status", "attempts")
                    assert row.get(pk=message.pk) == ("sending", 1)
            worker.join(20)
        assert outcome == {"first": "uncertain"}
        assert [rcpts for rcpts, _ in inbox.messages] == [["twice@lead.test"]]
        with tenant_context(acme):
            assert OutboundMessage.objects.get(pk=message.pk).status == "uncertain"
            assert deliver(message.pk, tenant=acme) == "skipped"
    finally:
        with tenant_context(acme):
            Lead.objects.filter(pk=lead.pk).delete()
