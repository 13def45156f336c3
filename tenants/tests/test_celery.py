import os
import subprocess
import sys
import time
import uuid

from django.core.cache import cache
from django_tenants.utils import schema_context

from conftest import ROOT
from tenants.tasks import tenant_ping


def test_a_real_worker_runs_tenant_tasks_inside_the_tenant_schema(celery_worker_factory):
    celery_worker_factory()
    tokens = {slug: uuid.uuid4().hex for slug in ("acme", "globex")}

    for slug, token in tokens.items():
        tenant_ping.delay(slug, token)

    deadline = time.time() + 60
    seen = {}
    while time.time() < deadline and len(seen) < len(tokens):
        for slug, token in tokens.items():
            with schema_context(slug):
                value = cache.get(f"ping:{token}")
            if value:
                seen[slug] = value
        time.sleep(0.2)
    assert seen == {"acme": "acme", "globex": "globex"}


def test_tasks_for_unknown_or_inactive_tenants_are_skipped(transactional_db_free):
    assert tenant_ping.apply(args=["no_such_tenant", "t"]).get() == {"skipped": True, "schema": "no_such_tenant"}


def test_the_nightly_backup_runs_at_backup_hour_utc():
    show = (
        "from alquimista.celery import app; print(sorted(app.conf.beat_schedule['backup-database']['schedule'].hour))"
    )
    hours = {}
    for value in ("", "5"):
        env = {k: v for k, v in os.environ.items() if k != "BACKUP_HOUR_UTC"}
        if value:
            env["BACKUP_HOUR_UTC"] = value
        env.update(DJANGO_SETTINGS_MODULE="alquimista.settings_test", ALQUIMISTA_ENV="test")
        result = subprocess.run([sys.executable, "-c", show], cwd=ROOT, env=env, capture_output=True, text=True)
        hours[value] = result.stdout.strip()
    assert hours == {"": "[2]", "5": "[5]"}
