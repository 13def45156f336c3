"""Quota alerts reach the tenant admins exactly once, even when the task that should mail them is lost."""

import threading
from datetime import timedelta
from email import message_from_string

import pytest
from django.db import connection, transaction
from django.utils import timezone

from alquimista.celery import app
from operations.models import Incident
from tenants.models import Tenant
from tests.smtp_peer import Inbox, SlowAckInbox, smtp_peer
from usage.incidents import quota_mail_send, quota_mails_sweep
from usage.rollup import rollup_tenant
from usage.tasks import quota_mail_task
from usage.tests.test_rollup import DAY, FlakyInbox, quota_used_up
from webhooks.services import endpoint_create


@pytest.fixture
def over_quota(fresh_tenant, agent_types, django_capture_on_commit_callbacks):
    """fresh_tenant past 100 % of its requests: the roll-up opened three alerts, whose mail tasks were lost."""
    quota_used_up(fresh_tenant, agent_types)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the broker was down: nothing enqueued
        rollup_tenant(tenant=fresh_tenant, start=DAY, end=DAY, today=DAY)
    assert len(callbacks) == 3
    alerts = Incident.objects.filter(tenant=fresh_tenant, source="quota")
    assert alerts.count() == 3 and not alerts.filter(notified_at__isnull=False).exists()
    return alerts


def age(alerts, minutes: int) -> None:
    alerts.update(opened_at=timezone.now() - timedelta(minutes=minutes))


def test_the_sweep_mails_alerts_whose_task_was_lost_once(over_quota, settings):
    age(over_quota, 5)
    with smtp_peer(settings, Inbox()) as inbox:
        assert quota_mails_sweep() == 0  # still young: left to their own task
        age(over_quota, 20)
        assert quota_mails_sweep() == 3
        assert quota_mails_sweep() == 0
    assert [rcpts for rcpts, _ in inbox.messages] == [["boss@fresh.test"]] * 3
    assert not over_quota.filter(notified_at__isnull=True).exists()


def test_a_mail_server_refusal_leaves_the_alert_for_the_next_sweep(over_quota, settings):
    age(over_quota, 20)
    with smtp_peer(settings, FlakyInbox()) as inbox:
        assert quota_mails_sweep() == 2  # the first was refused (451); the others went out
        assert over_quota.filter(notified_at__isnull=True).count() == 1
        assert quota_mails_sweep() == 1
    assert len(inbox.messages) == 3 and inbox.refused == 1


def test_old_alerts_are_not_swept_and_the_sweep_is_scheduled(over_quota, settings):
    over_quota.update(opened_at=timezone.now() - timedelta(days=8))
    with smtp_peer(settings, Inbox()) as inbox:
        assert quota_mails_sweep() == 0
    assert inbox.messages == []
    assert "usage.quota_mail_sweep" in {entry["task"] for entry in app.conf.beat_schedule.values()}


def test_a_broker_outage_does_not_fail_the_rollup_and_the_sweep_mails_later(
    fresh_tenant, agent_types, broker_down, settings, django_capture_on_commit_callbacks
):
    quota_used_up(fresh_tenant, agent_types)
    with django_capture_on_commit_callbacks(execute=True):
        result = rollup_tenant(tenant=fresh_tenant, start=DAY, end=DAY, today=DAY)
    assert result.incidents == 3
    alerts = Incident.objects.filter(tenant=fresh_tenant, source="quota")
    age(alerts, 20)
    with smtp_peer(settings, Inbox()) as inbox:
        assert quota_mails_sweep() == 3
    assert len(inbox.messages) == 3


def sender_domain(settings) -> str:
    return settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">")


def test_a_slow_acknowledgement_mails_each_alert_once_however_often_task_and_sweep_run(over_quota, settings):
    """The server stores each alert and answers after the client gave up: maybe mailed, never mailed again."""
    settings.EMAIL_TIMEOUT = 1
    age(over_quota, 20)
    ids = sorted(over_quota.values_list("pk", flat=True))
    with smtp_peer(settings, SlowAckInbox(delay=2)) as inbox:
        assert quota_mails_sweep() == 0  # none confirmed
        assert quota_mails_sweep() == 0
        for incident_id in ids:
            assert quota_mail_task.apply(args=[incident_id]).get() == 0
            assert quota_mail_send(incident_id=incident_id) == 0
        age(over_quota, 60)
        assert quota_mails_sweep() == 0
    assert [rcpts for rcpts, _ in inbox.messages] == [["boss@fresh.test"]] * 3
    message_ids = sorted(message_from_string(raw)["Message-ID"] for _, raw in inbox.messages)
    assert message_ids == sorted(f"<quota-alert.{pk}@{sender_domain(settings)}>" for pk in ids)
    assert sorted(over_quota.values_list("notification", "notified_at")) == [("uncertain", None)] * 3


def test_a_refused_alert_is_mailed_again_with_the_same_message_id(over_quota, settings):
    age(over_quota, 20)
    with smtp_peer(settings, Inbox()) as inbox:
        first = over_quota.order_by("pk").first()
        Incident.objects.filter(pk=first.pk).update(notification="uncertain")  # a person has not decided yet
        assert quota_mails_sweep() == 2
        Incident.objects.filter(pk=first.pk).update(notification="")  # the person chose to send it again
        assert quota_mails_sweep() == 1
    assert sorted(message_from_string(raw)["Message-ID"] for _, raw in inbox.messages) == sorted(
        f"<quota-alert.{pk}@{sender_domain(settings)}>" for pk in over_quota.values_list("pk", flat=True)
    )
    assert set(over_quota.values_list("notification", flat=True)) == {"sent"}


def test_a_claim_whose_worker_died_becomes_maybe_mailed_and_is_not_swept(over_quota, settings):
    age(over_quota, 20)
    first = over_quota.order_by("pk").first()
    Incident.objects.filter(pk=first.pk).update(
        notification="sending", notification_started_at=timezone.now() - timedelta(minutes=16)
    )
    with smtp_peer(settings, Inbox()) as inbox:
        assert quota_mails_sweep() == 2
    assert len(inbox.messages) == 2
    assert Incident.objects.get(pk=first.pk).notification == "uncertain"


def test_the_incident_can_be_acknowledged_while_its_alert_is_being_mailed(transactional_db_free, settings):
    """No row lock is held across the SMTP conversation: the acknowledging UPDATE does not wait."""
    settings.EMAIL_TIMEOUT = 3
    acme = Tenant.objects.get(slug="acme")
    incident = Incident.objects.create(
        tenant=acme, source="quota", dedupe_key="quota:slow-ack-test", title="100% of the limit", severity="critical"
    )
    outcome = {}

    def worker():
        try:
            outcome["recipients"] = quota_mail_send(incident_id=incident.pk)
        finally:
            connection.close()

    try:
        with smtp_peer(settings, SlowAckInbox(delay=4)) as inbox:
            mailing = threading.Thread(target=worker)
            mailing.start()
            assert inbox.stored.wait(10)  # the server has it; the client waits for the acknowledgement
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '1s'")
                acknowledged = Incident.objects.filter(pk=incident.pk, status="open").update(
                    status="acknowledged", acknowledged_at=timezone.now()
                )
            mailing.join(20)
        assert acknowledged == 1
        assert outcome == {"recipients": 0}  # maybe mailed: not counted, not retried
        assert [rcpts for rcpts, _ in inbox.messages] == [["admin@acme.test"]]
        incident.refresh_from_db()
        assert (incident.status, incident.notification, incident.notified_at) == ("acknowledged", "uncertain", None)
        assert quota_mail_send(incident_id=incident.pk) == 0
    finally:
        Incident.objects.filter(pk=incident.pk).delete()


def test_each_threshold_passed_is_one_webhook_event(fresh_tenant, agent_types, django_capture_on_commit_callbacks):
    endpoint = endpoint_create(tenant=fresh_tenant, url="https://example.com/quota", events=["quota.threshold"])
    quota_used_up(fresh_tenant, agent_types)
    with django_capture_on_commit_callbacks(execute=False):
        rollup_tenant(tenant=fresh_tenant, start=DAY, end=DAY, today=DAY)
        rollup_tenant(tenant=fresh_tenant, start=DAY, end=DAY, today=DAY)  # night after night: nothing new

    events = [delivery.payload["data"] for delivery in endpoint.deliveries.all()]
    assert sorted(event["threshold"] for event in events) == [80, 90, 100]
    assert {event["metric"] for event in events} == {"requests"}
