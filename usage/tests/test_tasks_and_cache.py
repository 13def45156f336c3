import threading
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_redis import get_redis_connection
from django_tenants.utils import tenant_context

from accounts.api_keys import api_key_create
from agents.models import AgentType, TenantAgent
from core.cache import bump, tenant_scope
from integrations.models import Integration
from tenants.models import Tenant
from usage.models import AgentRequest, UsageDaily, UsageDirtyDay
from usage.rollup import CLAIM_DIRTY_SQL, MARK_DIRTY_SQL, rollup_tenant
from usage.selectors import utc_today
from usage.tasks import rollup_all, rollup_today_all

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize("path", ["/api/tenant/agents", "/api/tenant/integrations"])
def test_agent_and_integration_lists_are_cached_until_a_rollup(client_for, acme, path):
    client = client_for(acme, "user@acme.test")
    model, field, changed = (
        (TenantAgent, "restart_count", 777) if path.endswith("agents") else (Integration, "last_error", "changed")
    )
    first = client.get(path, {"page_size": "1"}).json()
    with tenant_context(acme):
        model.objects.filter(pk=first["results"][0]["id"]).update(**{field: changed})

    cached = client.get(path, {"page_size": "1", "ignored": "x"}).json()
    yesterday = utc_today() - timedelta(days=1)
    rollup_tenant(tenant=acme, start=yesterday, end=yesterday)
    fresh = client.get(path, {"page_size": "1"}).json()

    assert cached == first and cached["results"][0][field] != changed
    assert fresh["results"][0][field] == changed
    with tenant_context(acme):
        assert fresh["count"] == model.objects.count() and len(fresh["results"]) == 1


def test_agent_and_integration_lists_filter_and_refuse_bad_parameters(client_for, acme):
    client = client_for(acme, "user@acme.test")
    with tenant_context(acme):
        paused = TenantAgent.objects.order_by("pk").first()
        TenantAgent.objects.filter(pk=paused.pk).update(status="paused")
        email_ids = sorted(Integration.objects.filter(kind="email").values_list("pk", flat=True))
    assert [a["id"] for a in client.get("/api/tenant/agents", {"status": "paused"}).json()["results"]] == [paused.pk]
    body = client.get("/api/tenant/integrations", {"kind": "email"}).json()
    assert sorted(i["id"] for i in body["results"]) == email_ids and body["count"] == len(email_ids)
    for path, params, field in (
        ("/api/tenant/agents", {"status": "sleeping"}, "status"),
        ("/api/tenant/agents", {"page": "²"}, "page"),
        ("/api/tenant/integrations", {"kind": "pigeon"}, "kind"),
        ("/api/tenant/integrations", {"status": "meh"}, "status"),
        ("/api/tenant/integrations", {"page": "9"}, "page"),
    ):
        response = client.get(path, params)
        assert response.status_code == 400 and list(response.json()["error"]["fields"]) == [field], (path, params)


@pytest.mark.parametrize("path", ["/api/tenant/agents", "/api/tenant/integrations"])
def test_agent_and_integration_list_query_counts_do_not_grow(client_for, acme, path, django_assert_max_num_queries):
    client = client_for(acme, "user@acme.test")
    with django_assert_max_num_queries(20) as few:
        assert client.get(path).status_code == 200
    for number in range(15):
        if path.endswith("agents"):
            agent_type = AgentType.objects.create(code=f"bulk-{number}", name=f"Bulk {number}", price_per_1k_tokens=1)
            with tenant_context(acme):
                TenantAgent.objects.create(agent_type=agent_type)
        else:
            with tenant_context(acme):
                Integration.objects.create(kind="webhook", name=f"Hook {number}")
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(path).json()
    assert len(body["results"]) >= 15


def test_the_internal_tenant_list_cache_is_keyed_by_validated_parameters_only(client_for, public_tenant):
    client = client_for(public_tenant, "support@alquimista.test")
    bodies = [
        client.get("/api/internal/tenants", params).json()
        for params in ({}, {"junk": "1"}, {"junk": "2", "_": "123"}, {"page": "1", "page_size": "25", "x": "y"})
    ]
    assert all(body == bodies[0] for body in bodies)
    assert len(get_redis_connection("default").keys("*read:global:*tenants*")) == 1
    client.get("/api/internal/tenants", {"status": "active"})
    assert len(get_redis_connection("default").keys("*read:global:*tenants*")) == 2


def test_a_rollup_claiming_a_dirty_day_waits_for_an_open_ingest_of_it(transactional_db_free, acme):
    """The race the mark's DO UPDATE closes: an ingest has inserted rows of a day already marked dirty but
    not committed; a roll-up claiming the marks must wait and then see those rows, not clear the mark
    without them (which would leave them out of UsageDaily for good)."""

    db = connection.settings_dict
    dsn = dict(host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"])
    schema = connection.ops.quote_name(acme.schema_name)
    day = utc_today() - timedelta(days=10)
    started_at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=3)
    mark, insert = (
        MARK_DIRTY_SQL.format(schema=schema),
        f"""
        INSERT INTO {schema}.usage_agentrequest
            (agent_id, started_at, duration_ms, outcome, tokens_in, tokens_out, channel, error_code)
        SELECT min(id), %s, 1, 'error', 0, 0, '', 'race-test' FROM {schema}.agents_tenantagent""",
    )
    seen = {}

    def rollup_claims():
        with psycopg.connect(**dsn) as rollup:
            claimed = [row[0] for row in rollup.execute(CLAIM_DIRTY_SQL.format(schema=schema)).fetchall()]
            seen["claimed"] = claimed
            seen["rows"] = rollup.execute(
                f"SELECT count(*) FROM {schema}.usage_agentrequest WHERE error_code = 'race-test'"
            ).fetchone()[0]
            rollup.rollback()

    with psycopg.connect(**dsn, autocommit=True) as setup, psycopg.connect(**dsn) as ingest:
        try:
            setup.execute(mark, {"days": [day]})  # the day is already dirty from an earlier call
            ingest.execute(insert, [started_at])
            ingest.execute(mark, {"days": [day]})
            claimer = threading.Thread(target=rollup_claims)
            claimer.start()
            claimer.join(timeout=1.0)
            assert claimer.is_alive() and "claimed" not in seen  # waiting on the open ingest's mark
            ingest.commit()
            claimer.join(timeout=10)
            assert seen == {"claimed": [day], "rows": 1}
        finally:
            ingest.rollback()
            setup.execute(f"DELETE FROM {schema}.usage_agentrequest WHERE error_code = 'race-test'")
            setup.execute(f"DELETE FROM {schema}.usage_usagedirtyday WHERE day = %s", [day])
