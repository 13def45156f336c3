"""Commands: validation, permission per type, state machine, duplicate delivery, handlers, reaper, batches."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from agents.models import TenantAgent
from audit.models import OperationalEvent
from dispatch.models import Lead, OutboundMessage
from integrations.models import Integration
from operations.commands import (
    batch_create,
    batch_summary,
    command_cancel,
    command_create,
    command_finish,
    command_retry,
    command_run,
    command_start,
    commands_purge,
    commands_reap,
    commands_requeue,
)
from operations.commands_models import Command
from operations.handlers.restart_agent import restart_agent
from tenants.models import Tenant
from vault import get_secret_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return User.objects.get(email="admin@alquimista.test")


@pytest.fixture
def support():
    return User.objects.get(email="support@alquimista.test")


def acme_ids(acme, model):
    with tenant_context(acme):
        return list(model.objects.order_by("pk").values_list("pk", flat=True))


def events(action, command):
    return OperationalEvent.objects.filter(action=action, target_id=str(command.pk)).count()


def test_health_check_runs_to_success_with_its_checks(acme, admin, django_capture_on_commit_callbacks):
    command, created = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin)
    assert created and command.status == "PENDING"

    command = command_run(command.pk)

    assert command.status == "SUCCESS" and command.progress_percent == 100
    names = [check["check"] for check in command.output["checks"]]
    assert names[:4] == ["schema", "migrations", "database", "redis"]
    assert any(name.startswith("integration:") for name in names) and any(name.startswith("agent:") for name in names)
    assert {check["status"] for check in command.output["checks"]} <= {"ok", "warn", "fail"}
    assert events("command.created", command) == 1 and events("command.finished", command) == 1


def test_second_delivery_of_the_same_message_does_nothing(acme, admin):
    command, _ = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin)
    first = command_run(command.pk)
    second = command_run(command.pk)
    assert first.status == "SUCCESS" and second is None
    assert Command.objects.get(pk=command.pk).attempts == 1


@pytest.mark.parametrize(
    "command_type, parameters, field",
    [
        ("RESET_TOKEN", {}, "integration_id"),
        ("RESET_TOKEN", {"integration_id": "abc"}, "integration_id"),
        ("RESET_TOKEN", {"integration_id": 999999}, "integration_id"),
        ("RESTART_AGENT", {"agent_id": 999999}, "agent_id"),
        ("REPROCESS_QUEUE", {"channel": "fax"}, "channel"),
        ("REPROCESS_QUEUE", {"since": "yesterday"}, "since"),
        ("HEALTH_CHECK", {"deep": True}, "deep"),
        ("SELF_DESTRUCT", {}, "type"),
    ],
)
def test_bad_parameters_name_the_field_and_create_nothing(acme, admin, command_type, parameters, field):
    before = Command.objects.count()
    with pytest.raises(ValidationError) as error:
        command_create(tenant=acme, command_type=command_type, parameters=parameters, actor=admin)
    assert field in error.value.message_dict
    assert Command.objects.count() == before


def test_an_id_from_another_tenant_is_refused(acme, globex, admin):
    globex_integration = acme_ids(globex, Integration)[0]
    acme_integrations = acme_ids(acme, Integration)
    foreign = max(acme_integrations) + 1000 if globex_integration in acme_integrations else globex_integration
    with pytest.raises(ValidationError) as error:
        command_create(tenant=acme, command_type="RESET_TOKEN", parameters={"integration_id": foreign}, actor=admin)
    assert "integration_id" in error.value.message_dict


def test_support_cannot_reset_tokens_but_can_restart_agents(acme, support):
    integration = acme_ids(acme, Integration)[0]
    with pytest.raises(PermissionDenied):
        command_create(
            tenant=acme, command_type="RESET_TOKEN", parameters={"integration_id": integration}, actor=support
        )
    command, _ = command_create(
        tenant=acme,
        command_type="RESTART_AGENT",
        parameters={"agent_id": acme_ids(acme, TenantAgent)[0]},
        actor=support,
    )
    assert command.status == "PENDING"


def test_idempotency_key_returns_the_same_command_within_24_hours(acme, admin):
    first, created = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin, idempotency_key="abc")
    again, created_again = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin, idempotency_key="abc")
    Command.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(hours=25))
    later, created_later = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin, idempotency_key="abc")
    assert (created, created_again, created_later) == (True, False, True)
    assert again.pk == first.pk and later.pk != first.pk


def test_reset_token_rotates_the_secret_and_the_old_value_stops_being_current(acme, admin):
    with tenant_context(acme):
        integration = Integration.objects.order_by("pk").first()
    store = get_secret_store()
    old = store.get(integration.secret_ref).reveal()
    command, _ = command_create(
        tenant=acme, command_type="RESET_TOKEN", parameters={"integration_id": integration.pk}, actor=admin
    )

    command = command_run(command.pk)

    assert command.status == "SUCCESS"
    with tenant_context(acme):
        integration.refresh_from_db()
    assert integration.token_version == command.output["token_version"] == 2
    assert store.get(integration.secret_ref).reveal() != old
    assert [(m.version, m.current) for m in store.versions(integration.secret_ref)] == [(1, False), (2, True)]
    assert old not in str(command.output)


def test_restart_agent_counts_and_paused_agents_are_refused(acme, admin):
    with tenant_context(acme):
        agent = TenantAgent.objects.order_by("pk").first()
        paused = TenantAgent.objects.order_by("pk").last()
        TenantAgent.objects.filter(pk=paused.pk).update(status="paused")
    ok, _ = command_create(
        tenant=acme, command_type="RESTART_AGENT", parameters={"agent_id": agent.pk, "reason": "stuck"}, actor=admin
    )
    refused, _ = command_create(
        tenant=acme, command_type="RESTART_AGENT", parameters={"agent_id": paused.pk}, actor=admin
    )

    ok, refused = command_run(ok.pk), command_run(refused.pk)

    with tenant_context(acme):
        agent.refresh_from_db()
    assert ok.status == "SUCCESS" and (agent.status, agent.restart_count, agent.last_restart_reason) == (
        "active",
        1,
        "stuck",
    )
    assert refused.status == "ERROR" and "paused" in refused.error_message and "resume" in refused.error_message


def test_a_finished_command_refreshes_the_tenants_cached_reads(acme, admin, client_for):
    client = client_for(acme, "admin@acme.test")
    with tenant_context(acme):
        agent = TenantAgent.objects.exclude(status="paused").order_by("pk").first()

    def restarts() -> int:
        rows = client.get("/api/tenant/agents", {"page_size": 200}).json()["results"]
        return next(row["restart_count"] for row in rows if row["id"] == agent.pk)

    before = restarts()  # now cached
    command, _ = command_create(
        tenant=acme, command_type="RESTART_AGENT", parameters={"agent_id": agent.pk}, actor=admin
    )
    assert command_run(command.pk).status == "SUCCESS"
    assert restarts() == before + 1


def test_reprocess_queue_is_safe_to_run_twice(acme, admin):
    for _ in range(2):
        command, _ = command_create(
            tenant=acme, command_type="REPROCESS_QUEUE", parameters={"channel": "email"}, actor=admin
        )
        assert command_run(command.pk).status == "SUCCESS"


def test_every_legal_and_illegal_transition(acme, admin):
    command, _ = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin)
    assert command_finish(command=command, output={}) is False  # PENDING cannot finish
    started = command_start(command.pk)
    assert started.status == "RUNNING" and command_start(command.pk) is None  # RUNNING cannot start again
    with pytest.raises(ValidationError):
        command_cancel(command=started, actor=admin)  # RUNNING cannot be cancelled
    with pytest.raises(ValidationError):
        command_retry(command=started, actor=admin)  # nor retried
    assert command_finish(command=started, error="boom") is True
    assert command_finish(command=started, output={}) is False  # ERROR is final
    assert Command.objects.get(pk=command.pk).status == "ERROR"

    retry = command_retry(command=started, actor=admin)
    assert retry.retry_of_id == command.pk and retry.status == "PENDING"
    cancelled = command_cancel(command=retry, actor=admin)
    assert cancelled.status == "CANCELLED" and command_start(retry.pk) is None
    assert events("command.cancelled", retry) == 1


def test_reaper_marks_stale_running_commands_as_worker_lost(acme, admin, settings):
    command, _ = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin)
    command_start(command.pk)
    assert commands_reap() == 0
    Command.objects.filter(pk=command.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.COMMAND_TIMEOUTS["HEALTH_CHECK"] + 1)
    )

    assert commands_reap() == 1

    command.refresh_from_db()
    assert command.status == "ERROR" and "Worker lost" in command.error_message
    assert events("command.reaped", command) == 1


def test_old_commands_are_purged_but_their_audit_events_stay(acme, admin):
    command, _ = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin)
    Command.objects.filter(pk=command.pk).update(created_at=timezone.now() - timedelta(days=91))
    assert commands_purge() == 1
    assert events("command.created", command) == 1


def test_a_batch_runs_one_command_per_tenant_at_most_n_at_once(acme, globex, admin, django_capture_on_commit_callbacks):
    tenants = Tenant.objects.customers().order_by("name")
    with django_capture_on_commit_callbacks() as queued:
        batch = batch_create(command_type="HEALTH_CHECK", tenants=tenants, parameters={}, concurrency=2, actor=admin)
    assert len(queued) == 2
    assert batch_summary(batch)["counts"]["PENDING"] == 3

    for command in batch.commands.order_by("created_at"):
        with django_capture_on_commit_callbacks():
            command_run(command.pk)
    summary = batch_summary(batch)
    assert summary["counts"]["SUCCESS"] == 3 and summary["percent"] == 100


def test_cancelling_a_batch_command_that_was_never_queued_starts_no_other(
    acme, globex, admin, django_capture_on_commit_callbacks
):
    tenants = Tenant.objects.customers().order_by("name")
    batch = batch_create(command_type="HEALTH_CHECK", tenants=tenants, parameters={}, concurrency=1, actor=admin)
    first, second, third = batch.commands.order_by("created_at")
    assert [c.queued_at is not None for c in (first, second, third)] == [True, False, False]

    with django_capture_on_commit_callbacks() as queued:
        command_cancel(command=third, actor=admin)
    assert len(queued) == 0
    assert batch.commands.filter(queued_at__isnull=False).count() == 1  # still one at a time

    with django_capture_on_commit_callbacks() as queued:
        command_cancel(command=first, actor=admin)
    assert len(queued) == 1
    second.refresh_from_db()
    assert second.queued_at is not None and batch.commands.filter(queued_at__isnull=False).count() == 2


def test_restart_count_keeps_a_restart_that_finished_while_this_one_ran(acme, admin):
    with tenant_context(acme):
        agent = TenantAgent.objects.order_by("pk").first()
        TenantAgent.objects.filter(pk=agent.pk).update(status="active", restart_count=4)
    command, _ = command_create(
        tenant=acme, command_type="RESTART_AGENT", parameters={"agent_id": agent.pk}, actor=admin
    )

    def another_restart_counts_meanwhile(percent, message):
        TenantAgent.objects.filter(pk=agent.pk).update(restart_count=F("restart_count") + 1)

    with tenant_context(acme):
        output = restart_agent(command, another_restart_counts_meanwhile)
        agent.refresh_from_db()
    assert agent.restart_count == output["restart_count"] == 6


def finished_command(acme, admin, status):
    command, _ = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin)
    command_start(command.pk)
    Command.objects.filter(pk=command.pk).update(status=status, finished_at=timezone.now())
    command.refresh_from_db()
    return command


@pytest.mark.parametrize("status", ["SUCCESS", "ERROR", "CANCELLED"])
def test_a_finished_command_cannot_be_cancelled_finished_or_started(acme, admin, status):
    command = finished_command(acme, admin, status)
    events_before = OperationalEvent.objects.count()

    with pytest.raises(ValidationError) as error:
        command_cancel(command=command, actor=admin)
    assert error.value.message_dict == {"status": [f"Only a pending command can be cancelled; this one is {status}."]}
    assert command_finish(command=command, output={"late": True}) is False
    assert command_finish(command=command, error="late failure") is False
    assert command_start(command.pk) is None

    command.refresh_from_db()
    assert (command.status, command.output, command.error_message) == (status, None, "")
    assert OperationalEvent.objects.count() == events_before


@pytest.mark.parametrize("status, retried", [("SUCCESS", False), ("ERROR", True), ("CANCELLED", True)])
def test_only_failed_or_cancelled_commands_are_retried(acme, admin, status, retried):
    command = finished_command(acme, admin, status)
    if retried:
        retry = command_retry(command=command, actor=admin)
        assert (retry.status, retry.retry_of_id) == ("PENDING", command.pk)
        return
    before = Command.objects.count()
    with pytest.raises(ValidationError) as error:
        command_retry(command=command, actor=admin)
    assert error.value.message_dict == {
        "status": ["Only a failed or cancelled command can be retried; this one is SUCCESS."]
    }
    assert Command.objects.count() == before


def test_a_pending_command_cannot_be_retried(acme, admin):
    command, _ = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin)
    before = Command.objects.count()
    with pytest.raises(ValidationError) as error:
        command_retry(command=command, actor=admin)
    assert error.value.message_dict == {
        "status": ["Only a failed or cancelled command can be retried; this one is PENDING."]
    }
    assert Command.objects.count() == before and Command.objects.get(pk=command.pk).status == "PENDING"


def test_the_reaper_leaves_a_pending_command_that_is_not_stale(acme, admin, django_capture_on_commit_callbacks):
    command, _ = command_create(tenant=acme, command_type="HEALTH_CHECK", actor=admin)
    # Old, but queued just now: waiting for a worker, not lost.
    Command.objects.filter(pk=command.pk).update(created_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks() as sent:
        assert commands_reap() == 0 and commands_requeue() == 0
    assert len(sent) == 0
    command.refresh_from_db()
    assert (command.status, command.error_message, command.started_at) == ("PENDING", "", None)


def test_reprocess_queue_reports_exact_counts_and_nothing_on_a_second_run(
    acme, admin, django_capture_on_commit_callbacks, settings
):
    settings.DISPATCH_ENABLED = True  # the outbox is re-driven only for a tenant that may send
    Tenant.objects.filter(pk=acme.pk).update(settings={**acme.settings, "dispatch_enabled": True})
    acme.refresh_from_db()
    with tenant_context(acme):
        OutboundMessage.objects.filter(status="failed").update(status="sent")
        lead = Lead.objects.create(name="Reprocess Lead", email="lead@example.test", email_opt_in=True)
        for index, channel in enumerate(["email", "email", "whatsapp"]):
            OutboundMessage.objects.create(
                lead=lead,
                channel=channel,
                recipient="lead@example.test",
                payload={},
                status="failed",
                attempts=5,
                dedupe_key=f"reprocess-test-{index}",
            )

    outputs = []
    for _ in range(2):
        command, _ = command_create(
            tenant=acme, command_type="REPROCESS_QUEUE", parameters={"channel": "email"}, actor=admin
        )
        with django_capture_on_commit_callbacks() as deliveries:
            outputs.append(command_run(command.pk).output)
        outputs[-1]["deliveries"] = len(deliveries)

    assert [(o["requeued"], o["queues"], o["deliveries"]) for o in outputs] == [
        (2, {"dispatch_outbox": {"requeued": 2}}, 2),
        (0, {"dispatch_outbox": {"requeued": 0}}, 0),
    ]
    with tenant_context(acme):
        assert sorted(OutboundMessage.objects.filter(lead=lead).values_list("channel", "status", "attempts")) == [
            ("email", "queued", 0),
            ("email", "queued", 0),
            ("whatsapp", "failed", 5),
        ]
