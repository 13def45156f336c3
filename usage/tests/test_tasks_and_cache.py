from datetime import timedelta

import pytest

from alquimista.celery import app
from tenants.models import Tenant
from usage.models import UsageDaily
from usage.selectors import utc_today
from usage.tasks import rollup_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_nightly_dispatch_rolls_up_every_active_tenant_and_skips_suspended(eager, globex):
    Tenant.objects.filter(pk=globex.pk).update(status=Tenant.Status.SUSPENDED)
    yesterday = utc_today() - timedelta(days=1)
    UsageDaily.objects.filter(day=yesterday).update(requests=0)

    assert rollup_all() == 2

    by_tenant = {}
    for slug, requests in UsageDaily.objects.filter(day=yesterday).values_list("tenant__slug", "requests"):
        by_tenant[slug] = by_tenant.get(slug, 0) + requests
    assert by_tenant["acme"] > 0 and by_tenant["initech"] > 0
    assert by_tenant["globex"] == 0


def test_a_rollup_invalidates_the_tenants_cached_reads(client_for, acme):
    from usage.rollup import rollup_tenant

    client = client_for(acme, "user@acme.test")
    yesterday = utc_today() - timedelta(days=1)
    before = client.get("/api/tenant/usage", {"period": "7d"}).json()["totals"]["requests"]
    row = UsageDaily.objects.filter(tenant=acme, day=yesterday).first()
    UsageDaily.objects.filter(pk=row.pk).update(requests=row.requests + 1000)

    cached = client.get("/api/tenant/usage", {"period": "7d"}).json()["totals"]["requests"]
    rollup_tenant(tenant=acme, start=yesterday, end=yesterday)  # recomputes from raw rows and bumps the version
    fresh = client.get("/api/tenant/usage", {"period": "7d"}).json()["totals"]["requests"]

    assert cached == before
    assert fresh == before
    UsageDaily.objects.filter(pk=row.pk).update(requests=row.requests + 1000)
    from usage.cache import bump, tenant_scope

    bump(tenant_scope(acme))
    assert client.get("/api/tenant/usage", {"period": "7d"}).json()["totals"]["requests"] == before + 1000


def test_the_cached_tenant_list_follows_tenant_changes(client_for, public_tenant, acme):
    client = client_for(public_tenant, "support@alquimista.test")
    assert client.get("/api/internal/tenants", {"status": "suspended"}).json()["count"] == 0
    acme.status = "suspended"
    acme.save(update_fields=["status"])
    assert [t["slug"] for t in client.get("/api/internal/tenants", {"status": "suspended"}).json()["results"]] == [
        "acme"
    ]
