"""The Celery app and the beat schedule (all of it, here). Task helpers live in core/tasks.py."""

import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

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
    "sweep-webhook-deliveries": {"task": "webhooks.sweep", "schedule": 60.0},
}


@app.on_after_configure.connect
def _schedule_from_settings(sender, **kwargs):
    # Django's settings are loaded only now (this module is imported while they are being read).

    sender.conf.beat_schedule["backup-database"]["schedule"] = crontab(minute=0, hour=settings.BACKUP_HOUR_UTC)
