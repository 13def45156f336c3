"""A peer that takes a message but does not confirm it in time (slow SMTP acknowledgement, WhatsApp API
answering after the timeout): the message goes out once and is left "maybe sent" for a person, never
re-sent by the task's retries, the stale-work sweep or REPROCESS_QUEUE unless the person asks."""

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from email import message_from_string
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from dispatch.models import DispatchDecision, Lead, OutboundMessage
from dispatch.outbox import deliver, reprocess_failed, stale_work_requeue
from dispatch.services import dispatch_flag_set, dispatch_run, dispatch_run_create
from integrations.models import Integration
from operations.commands import command_create, command_run
from tests.smtp_peer import SlowAckInbox, smtp_peer

pytestmark = pytest.mark.django_db
AFTERNOON = datetime(2026, 11, 22, 14, tzinfo=UTC)  # inside the leads' contact hours


@pytest.fixture
def sending(acme, settings):
    """Dispatch on for acme, with an e-mail lead, a meeting lead (calendar invite) and a WhatsApp lead."""
    settings.DISPATCH_ENABLED = True
    dispatch_flag_set(tenant=acme, enabled=True, actor=User.objects.get(email="admin@alquimista.test"))
    with tenant_context(acme):
        Lead.objects.all().delete()
        Integration.objects.filter(kind__in=["whatsapp", "email"]).update(status="ok")
        Integration.objects.filter(kind="whatsapp").update(config={"phone_number_id": "106540352242922"})
        Lead.objects.create(name="Eve Email", email="eve@lead.test", email_opt_in=True, time_zone="UTC")
        Lead.objects.create(name="Mia Meeting", email="mia@lead.test", wants_meeting=True, time_zone="UTC")
        Lead.objects.create(name="Wanda WhatsApp", phone="+5511911112222", whatsapp_opt_in=True, time_zone="UTC")


@pytest.fixture
def slow_whatsapp(settings):
    """A WhatsApp API that records each request and answers a second after the client's timeout."""
    received = []
    settings.WHATSAPP_API_TIMEOUT = 1

    class Api(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"])))["to"])
            time.sleep(2)  # the peer's own slowness, not the test waiting for something
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.WHATSAPP_API_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/v20.0"
    yield received
    server.shutdown()


def run_dispatch(acme, capture) -> None:
    with capture(execute=True):
        run = dispatch_run_create(
            tenant=acme, actor=User.objects.get(email="admin@acme.test"), dry_run=False, batch_size=10
        )
    with tenant_context(acme), capture(execute=True):
        dispatch_run(tenant=acme, run_id=run.pk, now=AFTERNOON)


def test_a_slow_acknowledgement_sends_each_message_once_and_leaves_it_maybe_sent(
    acme, sending, slow_whatsapp, eager, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_TIMEOUT = 1
    with smtp_peer(settings, SlowAckInbox(delay=2)) as inbox:
        run_dispatch(acme, django_capture_on_commit_callbacks)  # eager: the delivery task and its retries run here
        with tenant_context(acme):
            later = timezone.now() + timedelta(seconds=settings.REQUEUE_AFTER_SECONDS + 1)
            assert stale_work_requeue(now=later) == 0
            assert reprocess_failed(channel=None, since=None) == {"requeued": 0}
            for message_id in OutboundMessage.objects.values_list("pk", flat=True):
                assert deliver(message_id, tenant=acme) == "skipped"

    assert sorted(rcpts for rcpts, _ in inbox.messages) == [["eve@lead.test"], ["mia@lead.test"]]
    assert slow_whatsapp == ["5511911112222"]
    smtp_maybe = (
        "Maybe sent (SMTP: SMTPServerDisconnected): the server did not confirm in time. Check before sending it again."
    )
    http_maybe = "Maybe sent (WhatsApp API did not answer: ReadTimeout): the server did not confirm in time. Check before sending it again."
    with tenant_context(acme):
        outbox = {m.channel: m for m in OutboundMessage.objects.all()}
        assert {(c, m.status, m.attempts, m.last_error, m.sent_at) for c, m in outbox.items()} == {
            ("email", "uncertain", 1, smtp_maybe, None),
            ("calendar", "uncertain", 1, smtp_maybe, None),
            ("whatsapp", "uncertain", 1, http_maybe, None),
        }
        # Visible in the dispatch log, where failed sends are shown.
        assert sorted(DispatchDecision.objects.exclude(channel="none").values_list("channel", "sent", "error")) == [
            ("calendar", False, smtp_maybe),
            ("email", False, smtp_maybe),
            ("whatsapp", False, http_maybe),
        ]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">")
    mailed = {message_from_string(raw)["To"]: message_from_string(raw)["Message-ID"] for _, raw in inbox.messages}
    assert mailed == {
        "eve@lead.test": f"<outbox.{acme.schema_name}.{outbox['email'].pk}@{domain}>",
        "mia@lead.test": f"<outbox.{acme.schema_name}.{outbox['calendar'].pk}@{domain}>",
    }


def test_reprocess_queue_sends_maybe_sent_messages_only_when_a_person_asks(
    acme, sending, smtp, eager, settings, django_capture_on_commit_callbacks
):
    with tenant_context(acme):
        lead = Lead.objects.get(name="Eve Email")
        message = OutboundMessage.objects.create(
            lead=lead,
            channel="email",
            recipient="eve@lead.test",
            payload={"body": "hi"},
            dedupe_key="maybe-1",
            status="uncertain",
            attempts=1,
        )
    admin = User.objects.get(email="admin@alquimista.test")
    outputs = []
    for parameters in ({"channel": "email"}, {"channel": "email", "include_uncertain": True}):
        with django_capture_on_commit_callbacks(execute=True):
            command, _ = command_create(
                tenant=acme, command_type="REPROCESS_QUEUE", parameters=parameters, actor=admin, enqueue=False
            )
            outputs.append(command_run(command.pk).output)
    assert [(o["requeued"], o["include_uncertain"]) for o in outputs] == [(0, False), (1, True)]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">")
    assert [message_from_string(raw)["Message-ID"] for _, raw in smtp.messages] == [
        f"<outbox.{acme.schema_name}.{message.pk}@{domain}>"  # the same id as the first attempt's
    ]
    with tenant_context(acme):
        assert OutboundMessage.objects.values_list("status", "attempts").get(pk=message.pk) == ("sent", 1)


def test_a_delivery_whose_worker_died_mid_send_becomes_maybe_sent_not_sent_again(acme, sending, smtp, settings):
    with tenant_context(acme):
        lead = Lead.objects.get(name="Eve Email")
        message = OutboundMessage.objects.create(
            lead=lead, channel="email", recipient="eve@lead.test", payload={"body": "hi"}, dedupe_key="died-1"
        )
        claimed = timezone.now() - timedelta(seconds=settings.REQUEUE_AFTER_SECONDS + 1)
        OutboundMessage.objects.filter(pk=message.pk).update(status="sending", sending_since=claimed, attempts=1)
        OutboundMessage.objects.filter(pk=message.pk).update(created_at=claimed)
        assert stale_work_requeue() == 0
        assert OutboundMessage.objects.values_list("status", "last_error").get(pk=message.pk) == (
            "uncertain",
            "Maybe sent: the delivery stopped while talking to the server. Check before sending it again.",
        )
        assert deliver(message.pk, tenant=acme) == "skipped"
    assert smtp.messages == []
