"""Dispatch end to end with real peers on loopback: an SMTP server (aiosmtpd) and an HTTP server
standing in for the WhatsApp Cloud API. Flag off: they receive nothing. Flag on: once per lead."""

import json
import logging
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

import dispatch.services
from accounts.models import User
from audit.models import OperationalEvent
from conftest import free_port
from dispatch.models import DispatchDecision, DispatchRun, Lead, OutboundMessage
from dispatch.outbox import reprocess_failed
from dispatch.services import dispatch_flag_set, dispatch_run, dispatch_run_create
from dispatch.tasks import dispatch_run_task
from integrations.models import Integration
from operations.commands import command_create, command_run
from tenants.models import Tenant
from tests.smtp_peer import Inbox, smtp_peer

pytestmark = pytest.mark.django_db


@pytest.fixture
def whatsapp(settings):
    received = []

    class Api(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(
                (
                    self.path,
                    self.headers.get("Authorization", ""),
                    json.loads(self.rfile.read(int(self.headers["Content-Length"]))),
                )
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"messages": [{"id": "wamid.1"}]}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.WHATSAPP_API_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/v20.0"
    yield received
    server.shutdown()


@pytest.fixture
def leads(acme):
    with tenant_context(acme):
        Lead.objects.all().delete()  # the demo's leads; each test states its own
        Integration.objects.filter(kind__in=["whatsapp", "email"]).update(status="ok")
        Integration.objects.filter(kind="whatsapp").update(config={"phone_number_id": "106540352242922"})
        return [
            Lead.objects.create(name="Wanda WhatsApp", phone="+5511911112222", whatsapp_opt_in=True, time_zone="UTC"),
            Lead.objects.create(name="Eve Email", email="eve@lead.test", email_opt_in=True, time_zone="UTC"),
            Lead.objects.create(name="Mia Meeting", email="mia@lead.test", wants_meeting=True, time_zone="UTC"),
            Lead.objects.create(
                name="Dan DNC", email="dan@lead.test", email_opt_in=True, status="do_not_contact", time_zone="UTC"
            ),
        ]


def run_dispatch(tenant, dry_run, capture):
    admin = User.objects.get(email="admin@acme.test")
    with capture(execute=True):
        run = dispatch_run_create(tenant=tenant, actor=admin, dry_run=dry_run, batch_size=100)
    with tenant_context(tenant), capture(execute=True):
        return dispatch_run(tenant=tenant, run_id=run.pk, now=datetime(2026, 11, 22, 14, tzinfo=UTC))


@pytest.mark.parametrize("environment_switch, tenant_flag", [(False, False), (False, True), (True, False)])
def test_nothing_is_ever_sent_unless_enabled_both_ways(
    acme, leads, smtp, whatsapp, eager, settings, environment_switch, tenant_flag, django_capture_on_commit_callbacks
):
    settings.DISPATCH_ENABLED = environment_switch
    acme.settings = {**acme.settings, "dispatch_enabled": tenant_flag}
    acme.save(update_fields=["settings"])

    run = run_dispatch(acme, dry_run=False, capture=django_capture_on_commit_callbacks)

    assert run.dry_run is True
    with tenant_context(acme):
        decisions = {
            d.lead.name: (d.channel, d.reason_code, d.dry_run, d.sent)
            for d in DispatchDecision.objects.select_related("lead")
        }
        assert not OutboundMessage.objects.exists()
    assert decisions == {
        "Wanda WhatsApp": ("whatsapp", "WHATSAPP", True, False),
        "Eve Email": ("email", "EMAIL", True, False),
        "Mia Meeting": ("calendar", "MEETING_INVITE", True, False),
        "Dan DNC": ("none", "DO_NOT_CONTACT", True, False),
    }
    assert smtp.messages == [] and whatsapp == []


def test_enabled_dispatch_sends_exactly_once_per_lead_across_two_runs(
    acme, leads, smtp, whatsapp, eager, settings, django_capture_on_commit_callbacks
):
    settings.DISPATCH_ENABLED = True
    dispatch_flag_set(tenant=acme, enabled=True, actor=User.objects.get(email="admin@alquimista.test"))

    first = run_dispatch(acme, dry_run=False, capture=django_capture_on_commit_callbacks)
    second = run_dispatch(acme, dry_run=False, capture=django_capture_on_commit_callbacks)

    assert first.dry_run is False and first.counts["reason:WHATSAPP"] == 1
    assert second.counts == {"channel:none": 4, "reason:COOLDOWN": 3, "reason:DO_NOT_CONTACT": 1}
    recipients = sorted(rcpt for rcpts, _ in smtp.messages for rcpt in rcpts)
    assert recipients == ["eve@lead.test", "mia@lead.test"]
    assert "BEGIN:VCALENDAR" in next(body for rcpts, body in smtp.messages if rcpts == ["mia@lead.test"])
    assert len(whatsapp) == 1 and whatsapp[0][2]["to"] == "5511911112222" and whatsapp[0][1].startswith("Bearer ")
    assert whatsapp[0][0] == "/v20.0/106540352242922/messages"  # <base>/<the integration's phone_number_id>/messages
    with tenant_context(acme):
        assert OutboundMessage.objects.filter(status="sent").count() == 3
        assert Lead.objects.get(name="Mia Meeting").status == "scheduled"


def test_failed_sends_are_retried_then_left_failed_then_reprocessed(
    acme, leads, eager, settings, django_capture_on_commit_callbacks
):
    settings.DISPATCH_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens: every attempt fails
    settings.WHATSAPP_API_BASE_URL = f"http://127.0.0.1:{free_port()}"
    dispatch_flag_set(tenant=acme, enabled=True, actor=User.objects.get(email="admin@alquimista.test"))

    run_dispatch(acme, dry_run=False, capture=django_capture_on_commit_callbacks)

    with tenant_context(acme):
        failed = list(OutboundMessage.objects.values_list("channel", "status", "attempts"))
    assert sorted(failed) == [("calendar", "failed", 3), ("email", "failed", 3), ("whatsapp", "failed", 3)]

    with smtp_peer(settings, Inbox(), port=settings.EMAIL_PORT) as inbox:
        admin = User.objects.get(email="admin@alquimista.test")
        with django_capture_on_commit_callbacks(execute=True):
            command, _ = command_create(
                tenant=acme, command_type="REPROCESS_QUEUE", parameters={"channel": "email"}, actor=admin, enqueue=False
            )
            command = command_run(command.pk)
    assert command.status == "SUCCESS" and command.output["requeued"] == 1
    assert [rcpts for rcpts, _ in inbox.messages] == [["eve@lead.test"]]
    with tenant_context(acme):
        assert OutboundMessage.objects.get(channel="email").status == "sent"
        assert OutboundMessage.objects.get(channel="whatsapp").status == "failed"


def test_csv_import_writes_all_rows_or_none_naming_line_and_field(acme, client_for):
    with tenant_context(acme):
        Lead.objects.all().delete()
    client = client_for(acme, "admin@acme.test")
    good = b"name,phone,email,whatsapp_opt_in,email_opt_in,time_zone\nAna,+5511900000001,,yes,,America/Sao_Paulo\nBia,,bia@x.test,,sim,\n"
    bad = b"name,phone,email,time_zone\nCarla,+5511900000002,,UTC\nDora,12345,,UTC\nEla,,not-an-email,Mars/Base\n"

    refused = client.post("/api/tenant/leads/import", {"file": SimpleUploadedFile("bad.csv", bad)})
    accepted = client.post("/api/tenant/leads/import", {"file": SimpleUploadedFile("good.csv", good)})

    rows = refused.json()["error"]["fields"]["rows"]
    assert (
        refused.status_code == 400
        and any(r.startswith("line 3: phone") for r in rows)
        and any(r.startswith("line 4: email") for r in rows)
    )
    assert any(r.startswith("line 4: time_zone") for r in rows)
    assert accepted.status_code == 201 and accepted.json() == {"imported": 2}
    with tenant_context(acme):
        assert sorted(Lead.objects.values_list("name", flat=True)) == ["Ana", "Bia"]
        assert Lead.objects.get(name="Bia").email_opt_in is True


def test_lead_api_rules_and_isolation(acme, globex, client_for):
    for tenant in (acme, globex):
        with tenant_context(tenant):
            Lead.objects.all().delete()
    admin, user = client_for(acme, "admin@acme.test"), client_for(acme, "user@acme.test")
    created = admin.post(
        "/api/tenant/leads", {"name": "Zed", "phone": "+5511999999999"}, content_type="application/json"
    )
    assert created.status_code == 201
    assert admin.post("/api/tenant/leads", {"name": "No contact"}, content_type="application/json").json()["error"][
        "fields"
    ] == {"phone": ["Give a phone or an e-mail."]}
    assert (
        user.post("/api/tenant/leads", {"name": "X", "email": "x@x.test"}, content_type="application/json").status_code
        == 403
    )
    assert user.get("/api/tenant/leads").json()["count"] == 1
    assert client_for(globex, "admin@globex.test").get("/api/tenant/leads").json()["count"] == 0
    assert client_for(globex, "admin@acme.test").get("/api/tenant/leads").status_code == 404
    lead_id = created.json()["id"]
    assert client_for(globex, "admin@globex.test").get(f"/api/tenant/leads/{lead_id}").status_code == 404


def test_only_internal_admins_set_the_tenant_flag_and_it_is_audited(acme, client_for, public_tenant):
    url = f"/api/internal/tenants/{acme.pk}/dispatch"
    assert (
        client_for(public_tenant, "support@alquimista.test")
        .post(url, {"enabled": True}, content_type="application/json")
        .status_code
        == 403
    )
    response = client_for(public_tenant, "admin@alquimista.test").post(
        url, {"enabled": True}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["flag"] is True
    assert OperationalEvent.objects.filter(action="dispatch.flag_changed", tenant=acme).count() == 1
    assert (
        client_for(public_tenant, "admin@alquimista.test")
        .post(url, {"enabled": "yes"}, content_type="application/json")
        .status_code
        == 400
    )


def test_dispatch_log_line_has_no_contact_details(acme, leads, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.INFO)
    run_dispatch(acme, dry_run=True, capture=django_capture_on_commit_callbacks)
    lines = [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == "dispatch_decision"]
    assert len(lines) == 4 and {"tenant", "run", "lead_id", "channel", "reason", "dry_run"} <= set(lines[0])
    text = json.dumps(lines, default=str)
    assert "+5511911112222" not in text and "eve@lead.test" not in text


def test_batch_size_is_validated(acme):
    with pytest.raises(ValidationError):
        dispatch_run_create(tenant=acme, actor=User.objects.get(email="admin@acme.test"), dry_run=True, batch_size=0)


def queue_without_delivering(tenant, capture):
    """A real run with dispatch enabled, its delivery tasks held back; returns them to run later."""

    admin = User.objects.get(email="admin@acme.test")
    with capture(execute=False):  # the run task is not started: the run happens below, its deliveries held
        run = dispatch_run_create(tenant=tenant, actor=admin, dry_run=False, batch_size=100)
    with tenant_context(tenant), capture(execute=False) as deliveries:
        dispatch_run(tenant=tenant, run_id=run.pk, now=datetime(2026, 11, 22, 14, tzinfo=UTC))
    with tenant_context(tenant):
        assert OutboundMessage.objects.filter(status="queued").count() == 3
    return deliveries


def test_a_message_queued_before_the_flag_is_cleared_is_not_sent(
    acme, leads, smtp, whatsapp, eager, settings, django_capture_on_commit_callbacks
):
    settings.DISPATCH_ENABLED = True
    internal_admin = User.objects.get(email="admin@alquimista.test")
    dispatch_flag_set(tenant=acme, enabled=True, actor=internal_admin)
    deliveries = queue_without_delivering(acme, django_capture_on_commit_callbacks)

    dispatch_flag_set(tenant=acme, enabled=False, actor=internal_admin)
    for deliver_later in deliveries:
        deliver_later()

    assert smtp.messages == [] and whatsapp == []
    held = "Not sent: dispatch is off for this tenant."
    with tenant_context(acme):
        assert sorted(OutboundMessage.objects.values_list("channel", "status", "attempts", "last_error")) == [
            ("calendar", "failed", 0, held),
            ("email", "failed", 0, held),
            ("whatsapp", "failed", 0, held),
        ]
        assert (
            sorted(DispatchDecision.objects.exclude(channel="none").values_list("sent", "error")) == [(False, held)] * 3
        )
        # REPROCESS_QUEUE does not re-drive them while dispatch stays off

        assert reprocess_failed(channel=None, since=None) == {
            "requeued": 0,
            "refused": "dispatch is off for this tenant",
        }
        assert OutboundMessage.objects.filter(status="failed").count() == 3
    assert smtp.messages == [] and whatsapp == []


def test_a_suspended_tenant_sends_nothing_and_its_runs_are_refused(
    acme, leads, smtp, whatsapp, eager, settings, django_capture_on_commit_callbacks
):
    settings.DISPATCH_ENABLED = True
    dispatch_flag_set(tenant=acme, enabled=True, actor=User.objects.get(email="admin@alquimista.test"))
    deliveries = queue_without_delivering(acme, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        pending = dispatch_run_create(
            tenant=acme, actor=User.objects.get(email="admin@acme.test"), dry_run=True, batch_size=100
        )

    Tenant.objects.filter(pk=acme.pk).update(status="suspended")
    for deliver_later in deliveries:
        deliver_later()

    dispatch_run_task.delay(acme.schema_name, pending.pk)

    assert smtp.messages == [] and whatsapp == []
    with tenant_context(acme):
        assert set(OutboundMessage.objects.values_list("status", "last_error")) == {
            ("failed", "Not sent: tenant is suspended.")
        }
        run = DispatchRun.objects.get(pk=pending.pk)
        assert (run.status, run.error, run.processed) == ("failed", "Refused: tenant is suspended.", 0)
        assert not DispatchDecision.objects.filter(run_id=pending.pk).exists()
    acme.status = "suspended"
    with pytest.raises(ValidationError):
        dispatch_run_create(tenant=acme, actor=User.objects.get(email="admin@acme.test"), dry_run=True, batch_size=10)


class RefusingInbox(Inbox):
    """An SMTP server that refuses every recipient, quoting the address back as real servers do."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"


def test_a_failed_send_stores_and_logs_no_contact_details(
    acme, leads, eager, settings, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    settings.DISPATCH_ENABLED = True
    settings.WHATSAPP_API_BASE_URL = f"http://127.0.0.1:{free_port()}"  # nobody listens
    dispatch_flag_set(tenant=acme, enabled=True, actor=User.objects.get(email="admin@alquimista.test"))
    with smtp_peer(settings, RefusingInbox()):
        run_dispatch(acme, dry_run=False, capture=django_capture_on_commit_callbacks)

    refused = "SMTP: SMTPRecipientsRefused 550"
    unreachable = "WhatsApp API unreachable: ConnectionError"
    with tenant_context(acme):
        assert sorted(OutboundMessage.objects.values_list("channel", "status", "last_error")) == [
            ("calendar", "failed", refused),
            ("email", "failed", refused),
            ("whatsapp", "failed", unreachable),
        ]
        assert sorted(DispatchDecision.objects.exclude(channel="none").values_list("channel", "sent", "error")) == [
            ("calendar", False, refused),
            ("email", False, refused),
            ("whatsapp", False, unreachable),
        ]
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]  # the test SMTP server's own log
    assert any(refused in r.getMessage() for r in ours)  # Celery's retry line is among them
    logged = "\n".join(r.getMessage() + repr(r.args) for r in ours)
    for contact in ("eve@lead.test", "mia@lead.test", "+5511911112222", "5511911112222"):
        assert contact not in logged


def dry_run_of(tenant, batch_size, capture):
    with capture(execute=False):  # the task is not started; the run happens here, at a fixed time
        run = dispatch_run_create(
            tenant=tenant, actor=User.objects.get(email="admin@acme.test"), dry_run=True, batch_size=batch_size
        )
    with tenant_context(tenant):
        dispatch_run(tenant=tenant, run_id=run.pk, now=datetime(2026, 11, 22, 14, tzinfo=UTC))
        return list(
            DispatchDecision.objects.filter(run_id=run.pk).order_by("pk").values_list("lead__name", "reason_code")
        )


def test_never_contacted_leads_come_before_cooled_down_ones_and_do_not_contact_last(
    acme, django_capture_on_commit_callbacks
):
    with tenant_context(acme):
        Lead.objects.all().delete()
        Integration.objects.filter(kind="email").update(status="ok")
        Lead.objects.create(name="Dina DNC", email="dina@lead.test", status="do_not_contact", time_zone="UTC")
        Lead.objects.create(
            name="Olga Old",
            email="olga@lead.test",
            email_opt_in=True,
            time_zone="UTC",
            last_contacted_at=datetime(2026, 10, 1, tzinfo=UTC),
        )
        Lead.objects.create(name="Nina New", email="nina@lead.test", email_opt_in=True, time_zone="UTC")

    assert dry_run_of(acme, 1, django_capture_on_commit_callbacks) == [("Nina New", "EMAIL")]
    assert dry_run_of(acme, 2, django_capture_on_commit_callbacks) == [("Nina New", "EMAIL"), ("Olga Old", "EMAIL")]
    assert dry_run_of(acme, 3, django_capture_on_commit_callbacks) == [
        ("Nina New", "EMAIL"),
        ("Olga Old", "EMAIL"),
        ("Dina DNC", "DO_NOT_CONTACT"),
    ]


def test_a_run_that_raises_is_marked_failed_and_a_redelivered_task_does_nothing(
    acme, leads, eager, monkeypatch, django_capture_on_commit_callbacks
):
    real_render = dispatch.services.render

    def render_failing_for_eve(channel, lead):
        if lead.name == "Eve Email":
            raise KeyError("eve@lead.test")  # its text must not reach the run's error
        return real_render(channel, lead)

    monkeypatch.setattr(dispatch.services, "render", render_failing_for_eve)
    with django_capture_on_commit_callbacks(execute=True):
        created = dispatch_run_create(
            tenant=acme, actor=User.objects.get(email="admin@acme.test"), dry_run=True, batch_size=100
        )
    monkeypatch.setattr(dispatch.services, "render", real_render)

    with tenant_context(acme):
        run = DispatchRun.objects.get(pk=created.pk)
        assert (run.status, run.processed, run.counts) == ("failed", 1, {"channel:whatsapp": 1, "reason:WHATSAPP": 1})
        assert run.error == "The run stopped on an unexpected KeyError; the decisions made before it are kept."
        assert run.finished_at is not None
        assert list(DispatchDecision.objects.filter(run=run).values_list("lead__name", flat=True)) == ["Wanda WhatsApp"]

    assert dispatch_run_task.delay(acme.schema_name, created.pk).get() == "failed"  # a redelivery
    with tenant_context(acme):
        assert DispatchDecision.objects.filter(run_id=created.pk).count() == 1
        assert DispatchRun.objects.get(pk=created.pk).error == run.error


def test_a_dry_run_on_demand_sends_nothing_while_dispatch_is_enabled(
    acme, leads, smtp, whatsapp, eager, settings, django_capture_on_commit_callbacks
):
    settings.DISPATCH_ENABLED = True
    dispatch_flag_set(tenant=acme, enabled=True, actor=User.objects.get(email="admin@alquimista.test"))

    run = run_dispatch(acme, dry_run=True, capture=django_capture_on_commit_callbacks)

    assert run.dry_run is True and run.status == "done"
    assert run.counts == {
        "channel:whatsapp": 1,
        "channel:email": 1,
        "channel:calendar": 1,
        "channel:none": 1,
        "reason:WHATSAPP": 1,
        "reason:EMAIL": 1,
        "reason:MEETING_INVITE": 1,
        "reason:DO_NOT_CONTACT": 1,
    }
    with tenant_context(acme):
        assert set(DispatchDecision.objects.values_list("dry_run", "sent")) == {(True, False)}
        assert not OutboundMessage.objects.exists()
        assert set(Lead.objects.values_list("last_contacted_at", flat=True)) == {None}
    assert smtp.messages == [] and whatsapp == []


def test_the_hourly_rate_limit_counts_the_last_hour_and_the_runs_own_sends(
    acme, settings, django_capture_on_commit_callbacks
):
    settings.DISPATCH_RATE_PER_HOUR = 3
    with tenant_context(acme):
        Lead.objects.all().delete()
        Integration.objects.filter(kind="email").update(status="ok")
        for name in ("Ana", "Bia", "Cris"):
            Lead.objects.create(name=name, email=f"{name.lower()}@lead.test", email_opt_in=True, time_zone="UTC")
        for minute, key in ((1, "inside"), (59, "outside")):  # 13:01 counts for the 14:00 run, 12:59 does not
            keeper = Lead.objects.create(name=f"Keeper {key}", email=f"{key}@lead.test", status="do_not_contact")
            message = OutboundMessage.objects.create(
                lead=keeper, channel="email", recipient=keeper.email, payload={}, dedupe_key=key
            )
            OutboundMessage.objects.filter(pk=message.pk).update(
                created_at=datetime(2026, 11, 22, 13 if key == "inside" else 12, minute, tzinfo=UTC)
            )

    decided = dry_run_of(acme, 10, django_capture_on_commit_callbacks)

    assert decided == [
        ("Ana", "EMAIL"),
        ("Bia", "EMAIL"),  # 1 in the last hour + Ana + Bia = 3: the limit is reached, not passed
        ("Cris", "RATE_LIMITED"),
        ("Keeper inside", "DO_NOT_CONTACT"),
        ("Keeper outside", "DO_NOT_CONTACT"),
    ]


@pytest.mark.parametrize("config", [{}, {"phone_number_id": ""}, {"phone_number_id": "../../me"}])
def test_whatsapp_needs_the_phone_number_id_of_its_integration(
    acme, leads, smtp, whatsapp, eager, settings, config, django_capture_on_commit_callbacks
):
    settings.DISPATCH_ENABLED = True
    dispatch_flag_set(tenant=acme, enabled=True, actor=User.objects.get(email="admin@alquimista.test"))
    with tenant_context(acme):
        Integration.objects.filter(kind="whatsapp").update(config=config)

    run_dispatch(acme, dry_run=False, capture=django_capture_on_commit_callbacks)

    assert whatsapp == []
    with tenant_context(acme):
        assert OutboundMessage.objects.values_list("status", "attempts", "last_error").get(channel="whatsapp") == (
            "failed",
            3,
            "the WhatsApp integration's config has no phone_number_id (the sending number's id)",
        )
        assert OutboundMessage.objects.get(channel="email").status == "sent"
