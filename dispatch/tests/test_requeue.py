"""Dispatch work whose message never reached a worker (Redis down) is sent again by beat, and delivered once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from alquimista.celery import app
from conftest import broker_take
from dispatch.models import DispatchRun, Lead, OutboundMessage
from dispatch.outbox import deliver, stale_work_requeue
from dispatch.services import dispatch_flag_set, dispatch_run, dispatch_run_create
from dispatch.tasks import requeue_all
from integrations.models import Integration
from tenants.models import Tenant

pytestmark = pytest.mark.django_db
AFTERNOON = datetime(2026, 11, 22, 14, tzinfo=UTC)  # inside the lead's contact hours


def test_a_lost_run_and_a_lost_delivery_are_sent_again_and_the_lead_gets_one_email(
    acme, smtp, broker_down, settings, django_capture_on_commit_callbacks
):
    broker_take("dispatch.run"), broker_take("dispatch.deliver")  # other tests' leftovers
    settings.DISPATCH_ENABLED = True
    dispatch_flag_set(tenant=acme, enabled=True, actor=User.objects.get(email="admin@alquimista.test"))
    with tenant_context(acme):
        Lead.objects.all().delete()
        Integration.objects.filter(kind="email").update(status="ok")
        Lead.objects.create(name="Eve Email", email="eve@lead.test", email_opt_in=True, time_zone="UTC")
    later = timezone.now() + timedelta(seconds=settings.REQUEUE_AFTER_SECONDS + 1)

    with django_capture_on_commit_callbacks(execute=True):
        run = dispatch_run_create(
            tenant=acme, actor=User.objects.get(email="admin@acme.test"), dry_run=False, batch_size=10
        )
    broker_down()  # Redis is back; the run's message was never published
    with tenant_context(acme):
        assert DispatchRun.objects.get(pk=run.pk).status == "pending"
        assert stale_work_requeue() == 0  # not stale yet
        assert stale_work_requeue(now=later) == 1
    assert broker_take("dispatch.run") == [(acme.schema_name, run.pk)]

    with tenant_context(acme), django_capture_on_commit_callbacks(execute=True):
        dispatch_run(tenant=acme, run_id=run.pk, now=AFTERNOON)  # what the worker does with the message
    [(schema, message_id)] = broker_take("dispatch.deliver")  # ...and this delivery message is lost
    with tenant_context(acme):
        assert OutboundMessage.objects.get(pk=message_id).status == "queued"
        assert stale_work_requeue(now=later) == 1  # the run is done; the queued message is sent again
    assert broker_take("dispatch.deliver") == [(schema, message_id)]

    with tenant_context(acme):
        assert deliver(message_id, tenant=acme) == "sent"
        assert deliver(message_id, tenant=acme) == "skipped"  # a duplicate message sends nothing
        assert stale_work_requeue(now=later) == 0
    assert [rcpts for rcpts, _ in smtp.messages] == [["eve@lead.test"]]


def test_the_sweep_visits_every_tenant_but_archived_ones_and_is_scheduled(acme, globex):
    broker_take("dispatch.run")  # other tests' leftovers
    an_hour_ago = timezone.now() - timedelta(hours=1)
    runs = {}
    for tenant in (acme, globex):
        with tenant_context(tenant):
            run = DispatchRun.objects.create(started_by_email="admin@alquimista.test", dry_run=True)
            DispatchRun.objects.filter(pk=run.pk).update(created_at=an_hour_ago)
            runs[tenant.slug] = run.pk
    Tenant.objects.filter(pk=globex.pk).update(status=Tenant.Status.ARCHIVED)

    assert requeue_all() == 1
    assert broker_take("dispatch.run") == [(acme.schema_name, runs["acme"])]
    assert {"dispatch.requeue_all", "tenants.requeue_provisioning_runs"} <= {
        entry["task"] for entry in app.conf.beat_schedule.values()
    }
