"""Quota alerts reach the tenant admins exactly once, even when the task that should mail them is lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alquimista.celery import app
from operations.models import Incident
from tests.smtp_peer import Inbox, smtp_peer
from usage.incidents import quota_mails_sweep
from usage.rollup import rollup_tenant
from usage.tests.test_rollup import DAY, FlakyInbox, quota_used_up


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
