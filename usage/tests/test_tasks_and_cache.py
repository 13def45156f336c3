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


def test_a_late_reported_request_is_rolled_up_by_the_scheduled_rollup(eager, acme):
    from datetime import UTC, datetime

    from django.test import Client
    from django_tenants.utils import tenant_context

    from accounts.api_keys import api_key_create
    from usage.models import AgentRequest, UsageDirtyDay
    from usage.tasks import rollup_today_all

    late = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=10)
    day = late.date()
    rolled = UsageDaily.objects.filter(tenant=acme, day=day, agent_type__code="email-nurture")
    before = rolled.get().requests
    _, raw = api_key_create(tenant=acme, name="agent", scopes=["ingest"])
    response = Client(HTTP_HOST="acme.localhost", HTTP_AUTHORIZATION=f"Api-Key {raw}").post(
        "/api/tenant/agent-requests",
        {
            "requests": [
                {"agent": "email-nurture", "started_at": late.isoformat(), "duration_ms": 300, "outcome": "success"}
            ]
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    with tenant_context(acme):
        assert list(UsageDirtyDay.objects.values_list("day", flat=True)) == [day]

    rollup_today_all()

    with tenant_context(acme):
        raw_count = AgentRequest.objects.filter(agent__agent_type__code="email-nurture", started_at__date=day).count()
        assert not UsageDirtyDay.objects.exists()
    assert rolled.get().requests == raw_count == before + 1
