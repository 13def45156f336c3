"""The Celery app, the beat schedule (all of it, here), and the tenant task helper."""

import os
from functools import wraps

import structlog
from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alquimista.settings")

app = Celery("alquimista")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every periodic job of the platform. Later apps add theirs here, not in their own modules.
app.conf.beat_schedule = {
    "rollup-yesterday": {"task": "usage.rollup_all", "schedule": crontab(minute=0, hour=2)},
    "rollup-today": {"task": "usage.rollup_today_all", "schedule": crontab(minute="*/15")},
    "purge-raw-requests": {"task": "usage.purge_raw_all", "schedule": crontab(minute=30, hour=3)},
    "reap-commands": {"task": "operations.reap_commands", "schedule": 60.0},
    "purge-commands": {"task": "operations.purge_commands", "schedule": crontab(minute=45, hour=3)},
    "backup-database": {"task": "tenants.backup_all", "schedule": crontab(minute=0, hour=2)},  # BACKUP_HOUR_UTC
    "rotate-credentials": {"task": "tenants.rotate_credentials", "schedule": crontab(minute=0, hour=4)},
    "reap-provisioning-runs": {"task": "tenants.reap_provisioning_runs", "schedule": 60.0},
    "purge-login-handoffs": {"task": "accounts.purge_login_handoffs", "schedule": crontab(minute=17, hour=3)},
    "close-expired-view-as": {"task": "accounts.close_expired_view_as", "schedule": 60.0},
    "sweep-quota-mails": {"task": "usage.quota_mail_sweep", "schedule": crontab(minute="*/15")},
    "requeue-provisioning-runs": {"task": "tenants.requeue_provisioning_runs", "schedule": crontab(minute="*/5")},
    "requeue-dispatch-work": {"task": "dispatch.requeue_all", "schedule": crontab(minute="*/5")},
}


@app.on_after_configure.connect
def _schedule_from_settings(sender, **kwargs):
    # Django's settings are loaded only now (this module is imported while they are being read).
    from django.conf import settings

    sender.conf.beat_schedule["backup-database"]["schedule"] = crontab(minute=0, hour=settings.BACKUP_HOUR_UTC)


def tenant_task(**task_options):
    """A Celery task whose first argument is a tenant's schema name; the body runs inside it.

    Tasks take ids, never model instances. A task for a tenant that is gone or not active
    is skipped (beat can fire before a new schema is ready, or after a tenant is archived).
    """

    def decorator(fn):
        @app.task(**task_options)
        @wraps(fn)
        def task(schema_name: str, *args, **kwargs):
            from django_tenants.utils import tenant_context

            from tenants.models import Tenant

            tenant = Tenant.objects.filter(schema_name=schema_name).first()
            if tenant is None or tenant.status not in (Tenant.Status.ACTIVE, Tenant.Status.SUSPENDED):
                return {"skipped": True, "schema": schema_name}
            with tenant_context(tenant):
                return fn(tenant, *args, **kwargs)

        return task

    return decorator


def publish_on_commit(task, *args) -> None:
    """Send `task` to the workers once the current transaction commits.

    A broker that is down is logged (the error's class only), never raised: the work is already
    committed as pending, and a beat sweep sends it again (REQUEUE_AFTER_SECONDS).
    """
    from django.db import transaction

    def publish():
        try:
            task.delay(*args)
        except Exception as exc:  # each transport raises its own errors; none may fail a committed request
            structlog.get_logger(__name__).warning("task_publish_failed", task=task.name, error=type(exc).__name__)

    transaction.on_commit(publish)
