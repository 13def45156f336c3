"""Two deliveries of one outbox message at the same time (a task redelivered beside the first): one sends.

Not in test_dispatch.py: its rows must be committed for the second connection to see them.
"""

import threading

from django.db import connection, transaction
from django_tenants.utils import tenant_context

from dispatch.models import Lead, OutboundMessage
from dispatch.outbox import deliver
from tenants.models import Tenant


def test_a_message_another_worker_is_sending_is_skipped_not_sent_twice(transactional_db_free, smtp, settings):
    """A redelivered task running beside the first one: the row is locked while it is sent."""

    settings.DISPATCH_ENABLED = True
    acme = Tenant.objects.get(slug="acme")
    acme.settings = {**acme.settings, "dispatch_enabled": True}  # in memory only: deliver is given the tenant
    with tenant_context(acme):
        lead = Lead.objects.create(name="Concurrent Lead", email="twice@lead.test", email_opt_in=True)
        message = OutboundMessage.objects.create(
            lead=lead, channel="email", recipient="twice@lead.test", payload={"body": "hi"}, dedupe_key="concurrent-1"
        )
    locked, release = threading.Event(), threading.Event()

    def first_worker():
        try:
            with tenant_context(acme), transaction.atomic():
                OutboundMessage.objects.select_for_update().get(pk=message.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    worker = threading.Thread(target=first_worker)
    worker.start()
    try:
        assert locked.wait(10)
        with tenant_context(acme):
            assert deliver(message.pk, tenant=acme) == "skipped"
        assert smtp.messages == []
        release.set()
        worker.join(10)
        with tenant_context(acme):
            assert deliver(message.pk, tenant=acme) == "sent"
            assert deliver(message.pk, tenant=acme) == "skipped"
        assert [rcpts for rcpts, _ in smtp.messages] == [["twice@lead.test"]]
    finally:
        release.set()
        worker.join(10)
        with tenant_context(acme):
            Lead.objects.filter(pk=lead.pk).delete()
