import time
import uuid

from django.core.cache import cache
from django_tenants.utils import schema_context

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
