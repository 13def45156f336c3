"""Rate limits: per key or user and per tenant (plan), ingestion rows, the hard monthly quota, fail-open.

The limiter's clock is set by each test: windows are one minute, T0 is 18 s into one (reset 42).
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Sum
from django.test import Client
from django_tenants.utils import tenant_context
from structlog.testing import capture_logs

from accounts.api_keys import api_key_create
from conftest import free_port
from core.ratelimit import limiter
from tenants.models import Plan
from usage.models import AgentRequest, UsageDaily
from usage.selectors import utc_today

pytestmark = pytest.mark.django_db

T0 = 60 * 16_666_667 + 18  # 2001-09-09 01:47:18 UTC, 18 s into a window


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    settings.RATE_LIMIT_FLOOR = 0  # the test settings raise every limit; these tests set their own
    now = Clock(T0)
    monkeypatch.setattr(limiter, "clock", now)
    return now


def plan_give(tenant, **limits) -> Plan:
    """Put `tenant` on a new plan with these limits (before its first request: the host lookup caches the plan)."""
    tenant.plan = Plan.objects.create(
        code="limited",
        name="Limited",
        monthly_price=1,
        requests_per_month=10**9,
        tokens_per_month=10**9,
        max_agents=10,
        max_integrations=10,
        overage_price_per_1k_tokens=0,
        **limits,
    )
    tenant.save(update_fields=["plan"])
    return tenant.plan


def key_client(tenant, scopes=("read",)) -> Client:
    _, raw = api_key_create(tenant=tenant, name="agent", scopes=list(scopes))
    return Client(HTTP_HOST=f"{tenant.slug}.localhost", HTTP_AUTHORIZATION=f"Api-Key {raw}")


def limit_headers(response) -> tuple:
    return response.get("RateLimit-Policy"), response.get("RateLimit"), response.get("Retry-After")


def row() -> dict:
    return {
        "agent": "email-nurture",
        "started_at": (datetime.now(UTC) - timedelta(seconds=30)).isoformat(),
        "duration_ms": 640,
        "outcome": "success",
        "tokens_in": 120,
        "tokens_out": 80,
        "channel": "email",
    }


def ingest(client, count: int):
    return client.post(
        "/api/tenant/agent-requests", {"requests": [row() for _ in range(count)]}, content_type="application/json"
    )


def raw_count(tenant) -> int:
    with tenant_context(tenant):
        return AgentRequest.objects.count()


def test_a_key_over_its_limit_gets_429_with_headers_then_passes_in_the_next_window(clock, acme):
    plan_give(acme, api_requests_per_minute=3)
    client = key_client(acme)

    seen = [limit_headers(client.get("/api/tenant/usage")) for _ in range(3)]
    assert seen == [
        ("3;w=60", "limit=3, remaining=2, reset=42", None),
        ("3;w=60", "limit=3, remaining=1, reset=42", None),
        ("3;w=60", "limit=3, remaining=0, reset=42", None),
    ]

    clock.now = T0 + 30
    refused = client.get("/api/tenant/usage")
    assert refused.status_code == 429
    assert limit_headers(refused) == ("3;w=60", "limit=3, remaining=0, reset=12", "12")
    error = refused.json()["error"]
    assert (error["status"], error["code"]) == (429, "throttled")
    assert error["message"] == "Too many requests for this API key, user or tenant. Expected available in 12 seconds."

    clock.now = T0 + 42  # the next window
    again = client.get("/api/tenant/usage")
    assert again.status_code == 200
    assert limit_headers(again) == ("3;w=60", "limit=3, remaining=2, reset=60", None)


def test_the_tenant_limit_is_shared_by_its_keys_and_each_key_has_its_share(clock, acme, settings):
    settings.API_PRINCIPAL_SHARE_PERCENT = 67  # of 3 a minute: 2 per key
    plan_give(acme, api_requests_per_minute=3)
    first, second = key_client(acme), key_client(acme)

    assert [first.get("/api/tenant/usage").status_code for _ in range(2)] == [200, 200]
    refused = first.get("/api/tenant/usage")  # its own share is spent; the tenant has 1 left
    assert refused.status_code == 429
    assert limit_headers(refused) == ("2;w=60, 3;w=60", "limit=2, remaining=0, reset=42", "42")

    last = second.get("/api/tenant/usage")  # the tenant's last request this minute
    assert last.status_code == 200
    assert limit_headers(last) == ("3;w=60, 2;w=60", "limit=3, remaining=0, reset=42", None)
    refused = second.get("/api/tenant/usage")  # this key has 1 of its share left, the tenant none
    assert refused.status_code == 429
    assert limit_headers(refused) == ("3;w=60, 2;w=60", "limit=3, remaining=0, reset=42", "42")


def test_staff_without_a_tenant_get_the_per_user_setting(clock, client_for, public_tenant, settings):
    settings.API_STAFF_REQUESTS_PER_MINUTE = 2
    client = client_for(public_tenant, "support@alquimista.test")
    responses = [client.get("/api/internal/tenants") for _ in range(3)]
    assert [response.status_code for response in responses] == [200, 200, 429]
    assert limit_headers(responses[1]) == ("2;w=60", "limit=2, remaining=0, reset=42", None)
    assert limit_headers(responses[2]) == ("2;w=60", "limit=2, remaining=0, reset=42", "42")


def test_ingestion_rows_have_their_own_limit_per_minute(clock, acme):
    plan_give(acme, ingest_rows_per_minute=5)
    client = key_client(acme, ["ingest"])
    before = raw_count(acme)

    assert ingest(client, 3).status_code == 201
    refused = ingest(client, 3)  # 6 > 5: refused whole, nothing written
    assert refused.status_code == 429
    assert refused["Retry-After"] == "42"
    assert refused.json()["error"]["message"] == (
        "Too many rows ingested this minute for this tenant's plan. Expected available in 42 seconds."
    )
    assert raw_count(acme) == before + 3
    assert ingest(client, 2).status_code == 201  # exactly 5
    assert ingest(client, 1).status_code == 429

    clock.now = T0 + 42
    assert ingest(client, 5).status_code == 201
    assert raw_count(acme) == before + 10


def month_requests(tenant) -> int:
    """This month's requests, summed here from the roll-ups and today's raw rows."""
    today = utc_today()
    rolled = UsageDaily.objects.filter(tenant=tenant, day__gte=today.replace(day=1), day__lt=today).aggregate(
        total=Sum("requests")
    )["total"]
    midnight = datetime(today.year, today.month, today.day, tzinfo=UTC)
    with tenant_context(tenant):
        live = AgentRequest.objects.filter(started_at__gte=midnight).count()
    return (rolled or 0) + live


@pytest.mark.parametrize("hard", [True, False])
def test_a_hard_quota_refuses_ingestion_once_the_month_is_used_a_soft_one_does_not(clock, acme, hard):
    used = month_requests(acme)
    plan_give(acme, quota_hard=hard)
    acme.plan.requests_per_month = used + 2
    acme.plan.save(update_fields=["requests_per_month"])
    client = key_client(acme, ["ingest"])

    assert ingest(client, 2).status_code == 201  # reaches the quota exactly
    response = ingest(client, 1)
    if not hard:
        assert response.status_code == 201
        assert month_requests(acme) == used + 3
        return
    assert response.status_code == 429
    assert response.json() == {
        "error": {
            "status": 429,
            "code": "quota_exceeded",
            "message": f"The monthly quota of {used + 2} requests of plan Limited is used up "
            f"({used + 2} this month); ingestion resumes next month.",
        }
    }
    # The limiter's clock says 2001-09-09 01:47:18 UTC: the next month begins 2001-10-01.
    expected = datetime(2001, 10, 1, tzinfo=UTC) - datetime.fromtimestamp(T0, UTC)
    assert response["Retry-After"] == str(int(expected.total_seconds()))
    assert month_requests(acme) == used + 2


def test_probes_and_pages_are_never_limited(clock, acme, client_for, settings):
    settings.API_STAFF_REQUESTS_PER_MINUTE = 1
    plan_give(acme, api_requests_per_minute=1)
    probe = Client(HTTP_HOST="10.1.2.3")
    page = client_for(acme, "admin@acme.test")
    for _ in range(3):
        for response in (probe.get("/healthz"), probe.get("/readyz"), probe.get("/metrics")):
            assert response.status_code == 200
            assert limit_headers(response) == (None, None, None)
        response = page.get("/app/dashboard")
        assert response.status_code == 200
        assert limit_headers(response) == (None, None, None)
    assert page.get("/api/tenant/me").status_code == 200  # the API still has this minute's one request
    assert page.get("/api/tenant/me").status_code == 429


def test_with_redis_down_requests_pass_and_the_failure_is_logged(clock, acme, settings):
    plan_give(acme, api_requests_per_minute=1)
    client = key_client(acme)
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"},
    }
    with capture_logs() as logs:
        responses = [client.get("/api/tenant/usage") for _ in range(3)]
    assert [response.status_code for response in responses] == [200, 200, 200]
    assert limit_headers(responses[0]) == (None, None, None)
    assert [entry["event"] for entry in logs].count("ratelimit_unavailable") == 3
