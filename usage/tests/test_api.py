"""Usage endpoints: ingestion, tenant reads against independent sums, isolation, staff views."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import F, Sum
from django.test import Client
from django.urls import URLPattern
from django_tenants.utils import tenant_context
from drf_spectacular.generators import SchemaGenerator

from accounts.api_keys import api_key_create
from accounts.models import ApiKey
from alquimista.urls_tenant import urlpatterns
from audit.models import OperationalEvent
from dispatch.models import Lead
from integrations.models import Integration
from operations.models import Incident
from tenants.models import Plan, Tenant
from usage.models import AgentRequest, UsageDaily
from usage.selectors import utc_today

pytestmark = pytest.mark.django_db


def key_client(tenant, scopes) -> Client:
    _, raw = api_key_create(tenant=tenant, name="agent", scopes=scopes)
    return Client(HTTP_HOST=f"{tenant.slug}.localhost", HTTP_AUTHORIZATION=f"Api-Key {raw}")


def row(**overrides) -> dict:
    data = {
        "agent": "email-nurture",
        "started_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "duration_ms": 640,
        "outcome": "success",
        "tokens_in": 120,
        "tokens_out": 80,
        "channel": "email",
    }
    return {**data, **overrides}


def raw_count(tenant) -> int:
    with tenant_context(tenant):
        return AgentRequest.objects.count()


def test_ingest_inserts_a_valid_batch(acme):
    before = raw_count(acme)
    response = key_client(acme, ["ingest"]).post(
        "/api/tenant/agent-requests",
        {"requests": [row(), row(outcome="error", error_code="x")]},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json() == {"accepted": 2, "duplicates": 0}
    assert raw_count(acme) == before + 2


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"duration_ms": -1}, "duration_ms"),
        ({"outcome": "maybe"}, "outcome"),
        ({"agent": "support-triage"}, "agent"),  # not one of acme's agents
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}, "started_at"),
        ({"channel": "pigeon"}, "channel"),
        ({"error_code": "boom"}, "error_code"),
    ],
)
def test_one_bad_row_names_row_and_field_and_writes_nothing(acme, bad, field):
    before = raw_count(acme)
    batch = [row(), row(), row(**bad)]
    response = key_client(acme, ["ingest"]).post(
        "/api/tenant/agent-requests", {"requests": batch}, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]["requests"]["2"]
    assert list(response.json()["error"]["fields"]["requests"]) == ["2"]
    assert raw_count(acme) == before


def test_more_than_1000_rows_are_refused(acme):
    response = key_client(acme, ["ingest"]).post(
        "/api/tenant/agent-requests", {"requests": [row()] * 1001}, content_type="application/json"
    )
    assert response.status_code == 400 and "requests" in response.json()["error"]["fields"]


def test_ingest_needs_the_ingest_scope_and_its_own_host(acme, globex):
    assert (
        key_client(acme, ["read"])
        .post("/api/tenant/agent-requests", {"requests": [row()]}, content_type="application/json")
        .status_code
        == 403
    )
    _, raw = api_key_create(tenant=acme, name="x", scopes=["ingest"])
    foreign = Client(HTTP_HOST="globex.localhost", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert (
        foreign.post("/api/tenant/agent-requests", {"requests": [row()]}, content_type="application/json").status_code
        == 401
    )


def independent_total(tenant, days: int) -> int:
    today = utc_today()
    rolled = (
        UsageDaily.objects.filter(tenant=tenant, day__gte=today - timedelta(days=days - 1), day__lt=today).aggregate(
            s=Sum("requests")
        )["s"]
        or 0
    )
    with tenant_context(tenant):
        live = AgentRequest.objects.filter(
            started_at__gte=datetime.combine(today, datetime.min.time(), tzinfo=UTC)
        ).count()
    return rolled + live


@pytest.mark.parametrize("period, days", [("7d", 7), ("30d", 30), ("90d", 90)])
def test_tenant_usage_totals_equal_rollups_plus_live_today(client_for, acme, period, days):
    body = client_for(acme, "user@acme.test").get("/api/tenant/usage", {"period": period}).json()
    assert body["totals"]["requests"] == independent_total(acme, days)
    assert len(body["series"]) == days and body["series"][-1]["live"] is True
    assert sum(day["requests"] for day in body["series"]) == body["totals"]["requests"]


def test_usage_by_agent_sums_to_that_agent(client_for, acme):
    body = client_for(acme, "user@acme.test").get("/api/tenant/usage", {"period": "30d", "agent": "crm-sync"}).json()
    today = utc_today()
    rolled = UsageDaily.objects.filter(
        tenant=acme, agent_type__code="crm-sync", day__gte=today - timedelta(days=29), day__lt=today
    ).aggregate(s=Sum("requests"))["s"]
    assert rolled and body["totals"]["requests"] >= rolled


@pytest.mark.parametrize(
    "params, field",
    [({"period": "1y"}, "period"), ({"agent": "nope"}, "agent"), ({"period": "7d", "agent": "x y"}, "agent")],
)
def test_bad_usage_parameters_are_a_400_naming_them(client_for, acme, params, field):
    response = client_for(acme, "user@acme.test").get("/api/tenant/usage", params)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_tenant_reads_carry_private_cache_control(client_for, acme):
    for path in (
        "/api/tenant/me",
        "/api/tenant/usage",
        "/api/tenant/agents",
        "/api/tenant/integrations",
        "/api/tenant/incidents",
    ):
        response = client_for(acme, "user@acme.test").get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "private, max-age=300", path


def test_me_reports_month_to_date_against_limits(client_for, acme):
    body = client_for(acme, "user@acme.test").get("/api/tenant/me").json()
    month = body["month"]["usage"]["requests"]
    assert month["limit"] == acme.plan.requests_per_month
    first = utc_today().replace(day=1)
    rolled = (
        UsageDaily.objects.filter(tenant=acme, day__gte=first, day__lt=utc_today()).aggregate(s=Sum("requests"))["s"]
        or 0
    )
    assert month["used"] >= rolled
    assert month["percent"] == round(month["used"] * 100 / month["limit"], 1)


@pytest.mark.parametrize(
    "path",
    ["/api/tenant/me", "/api/tenant/usage", "/api/tenant/agents", "/api/tenant/integrations", "/api/tenant/incidents"],
)
def test_tenant_a_never_sees_tenant_b(client_for, acme, globex, path):
    response = client_for(globex, "admin@acme.test").get(path)
    assert response.status_code == 404
    assert b"acme" not in response.content.lower() and b"globex" not in response.content.lower()


def test_integrations_never_show_secret_references(client_for, acme):
    body = client_for(acme, "admin@acme.test").get("/api/tenant/integrations").content.decode()
    assert "secret" not in body and "tenant/acme/integration" not in body


def test_internal_tenant_list_query_count_does_not_grow(client_for, public_tenant, django_assert_max_num_queries):
    client = client_for(public_tenant, "support@alquimista.test")
    with django_assert_max_num_queries(12) as few:
        client.get("/api/internal/tenants")
    for number in range(30):
        Tenant.objects.create(
            schema_name=f"bulk_{number}",
            slug=f"bulk-{number}",
            name=f"Bulk {number}",
            plan=Plan.objects.first(),
            status="active",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/api/internal/tenants")
    assert response.json()["count"] == 33


def test_internal_tenant_list_filters_orders_and_sums(client_for, public_tenant, globex):
    client = client_for(public_tenant, "support@alquimista.test")
    body = client.get("/api/internal/tenants", {"ordering": "-requests_30d"}).json()
    assert [t["slug"] for t in body["results"]][0] == "globex"
    since = utc_today() - timedelta(days=30)
    assert (
        body["results"][0]["requests_30d"]
        == UsageDaily.objects.filter(tenant=globex, day__gt=since).aggregate(s=Sum("requests"))["s"]
    )
    assert [t["slug"] for t in client.get("/api/internal/tenants", {"plan": "starter"}).json()["results"]] == [
        "initech"
    ]
    assert [t["slug"] for t in client.get("/api/internal/tenants", {"search": "glob"}).json()["results"]] == ["globex"]
    for params, field in (
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"page": "99"}, "page"),
        ({"ordering": "secret"}, "ordering"),
        ({"status": "zzz"}, "status"),
    ):
        response = client.get("/api/internal/tenants", params)
        assert response.status_code == 400 and field in response.json()["error"]["fields"], params


def test_usage_overview_top_10_is_computed_from_rollups(client_for, public_tenant):
    body = (
        client_for(public_tenant, "support@alquimista.test")
        .get("/api/internal/usage/overview", {"period": "30d"})
        .json()
    )
    start = utc_today() - timedelta(days=29)
    sums = {
        row["tenant__slug"]: row["s"]
        for row in UsageDaily.objects.filter(day__gte=start).values("tenant__slug").annotate(s=Sum("requests"))
    }
    assert [t["slug"] for t in body["top_tenants_by_requests"]] == sorted(sums, key=lambda slug: -sums[slug])
    assert body["totals"]["requests"] == sum(sums.values())
    tokens = UsageDaily.objects.filter(day__gte=start).aggregate(s=Sum(F("tokens_in") + F("tokens_out")))["s"]
    assert body["totals"]["tokens"] == tokens


def test_billing_is_for_internal_admins_only(client_for, public_tenant):
    assert client_for(public_tenant, "support@alquimista.test").get("/api/internal/billing/overview").status_code == 403
    body = client_for(public_tenant, "admin@alquimista.test").get("/api/internal/billing/overview").json()
    assert body["mrr"] == "6880.00"  # 490 + 1490 + 4900
    assert [p["plan"] for p in body["revenue_by_plan"]] == ["enterprise", "growth", "starter"]


def test_incident_acknowledge_then_resolve_is_audited_and_illegal_moves_are_400(client_for, public_tenant, acme):
    incident = Incident.objects.create(tenant=acme, title="Test", severity="warning", source="test")
    client = client_for(public_tenant, "support@alquimista.test")

    assert client.post(f"/api/internal/incidents/{incident.pk}/acknowledge").json()["status"] == "acknowledged"
    assert client.post(f"/api/internal/incidents/{incident.pk}/resolve").json()["status"] == "resolved"
    again = client.post(f"/api/internal/incidents/{incident.pk}/acknowledge")

    assert again.status_code == 400 and "status" in again.json()["error"]["fields"]
    assert list(
        OperationalEvent.objects.filter(target_type="incident", target_id=str(incident.pk))
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["incident.acknowledged", "incident.resolved"]


@pytest.mark.parametrize(
    "path, params, field",
    [
        ("/api/internal/tenants", {"page": "²"}, "page"),
        ("/api/internal/tenants", {"page": "١"}, "page"),  # Arabic-Indic one: isdigit() and int() accept it
        ("/api/internal/tenants", {"page_size": "²"}, "page_size"),
        ("/api/internal/tenants", {"page_size": "0"}, "page_size"),
        ("/api/internal/tenants", {"page_size": "201"}, "page_size"),
        ("/api/internal/incidents", {"page": "³"}, "page"),
        ("/api/internal/incidents", {"tenant": "²"}, "tenant"),
        ("/api/internal/incidents", {"tenant": "-1"}, "tenant"),
    ],
)
def test_crafted_numbers_are_a_400_naming_the_parameter(client_for, public_tenant, path, params, field):
    response = client_for(public_tenant, "support@alquimista.test").get(path, params)
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [field]


def test_ascii_page_size_and_tenant_id_still_work(client_for, public_tenant, acme):
    client = client_for(public_tenant, "support@alquimista.test")
    body = client.get("/api/internal/tenants", {"page_size": "1", "page": "2", "ordering": "name"}).json()
    assert [t["slug"] for t in body["results"]] == ["globex"] and body["count"] == 3
    incident = Incident.objects.create(tenant=acme, title="Mine", severity="info", source="test")
    body = client.get("/api/internal/incidents", {"tenant": str(acme.pk)}).json()
    assert incident.pk in [row["id"] for row in body["results"]]


def tenant_api_paths(ids: dict) -> list[str]:
    """Every /api/tenant endpoint of the tenant URLconf, integer parameters filled from `ids`."""

    paths = []
    for pattern in urlpatterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLPattern) and route.startswith("api/tenant/"):
            for name in pattern.pattern.converters:
                route = route.replace(f"<int:{name}>", str(ids.get(name, 1)))
            paths.append("/" + route)
    return paths


def test_a_read_key_of_tenant_a_gets_nothing_of_tenant_b_on_any_endpoint(acme, globex):
    with tenant_context(globex):
        lead = Lead.objects.order_by("pk").first()
        secrets_of_b = [
            "globex",
            *Integration.objects.values_list("name", flat=True),
            *Lead.objects.values_list("name", flat=True),
            *[value for value in Lead.objects.values_list("email", flat=True) if value],
            *[value for value in Lead.objects.values_list("phone", flat=True) if value],
        ]
        before = (Lead.objects.count(), AgentRequest.objects.count())
    globex_key = ApiKey.objects.filter(tenant=globex).order_by("pk").first()
    ids = {"lead_id": lead.pk if lead else 1, "key_id": globex_key.pk if globex_key else 1}
    paths = tenant_api_paths(ids)
    assert {"/api/tenant/me", "/api/tenant/usage", "/api/tenant/agent-requests", "/api/tenant/api-keys"} <= set(paths)
    _, raw = api_key_create(tenant=acme, name="reader", scopes=["read"])
    foreign = Client(HTTP_HOST="globex.localhost", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    api_keys_before = ApiKey.objects.filter(tenant=globex).count()

    for path in paths:
        for method in ("get", "post"):
            response = getattr(foreign, method)(path, {}, content_type="application/json")
            assert response.status_code in (401, 404), (method, path, response.status_code)
            body = response.content.decode().lower()
            leaked = [value for value in secrets_of_b if value.lower() in body]
            assert not leaked, (method, path, leaked)

    with tenant_context(globex):
        assert (Lead.objects.count(), AgentRequest.objects.count()) == before
    assert ApiKey.objects.filter(tenant=globex).count() == api_keys_before


def test_openapi_documents_the_tenant_lists_as_paginated():
    schema = SchemaGenerator(urlconf="alquimista.urls_tenant").get_schema(request=None, public=True)
    for path, component in (
        ("/api/tenant/agents", "PaginatedTenantAgentList"),
        ("/api/tenant/integrations", "PaginatedIntegrationList"),
        ("/api/tenant/incidents", "PaginatedIncidentList"),
    ):
        get = schema["paths"][path]["get"]
        assert get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(component), path
        assert {"page", "page_size", "status"} <= {parameter["name"] for parameter in get["parameters"]}, path
