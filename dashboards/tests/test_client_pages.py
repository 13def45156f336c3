"""The client dashboard pages: figures checked against the database, errors, access, empty tenants."""

import csv
import io
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db.models import Sum
from django.test import Client
from django_tenants.utils import tenant_context

from accounts.models import User
from accounts.roles import Role
from accounts.services import membership_set, user_ensure
from agents.models import TenantAgent
from agents.selectors import tenant_agents
from conftest import log_in_on
from dashboards.client_views import client_overview
from integrations.models import Integration
from operations.models import Incident
from operations.services import incident_open
from tenants.lookup import forget_hosts
from tenants.models import Plan
from tenants.services import tenant_create
from usage.models import AgentRequest, UsageDaily

pytestmark = pytest.mark.django_db

ADMIN, USER, OUTSIDER = "admin@acme.test", "user@acme.test", "admin@globex.test"
PAGES = [
    "/app/dashboard",
    "/app/dashboard/agents",
    "/app/dashboard/integrations",
    "/app/dashboard/usage",
    "/app/dashboard/usage.csv",
    "/app/dashboard/incidents",
]


def today():
    return datetime.now(UTC).date()


def midnight(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def expected_requests(tenant, since, agent_code: str = "") -> int:
    """Closed days from UsageDaily, today counted from the raw rows, as the dashboard promises."""
    closed = UsageDaily.objects.filter(tenant=tenant, day__gte=since, day__lt=today())
    if agent_code:
        closed = closed.filter(agent_type__code=agent_code)
    with tenant_context(tenant):
        live = AgentRequest.objects.filter(
            started_at__gte=midnight(today()), started_at__lt=midnight(today()) + timedelta(1)
        )
        if agent_code:
            live = live.filter(agent__agent_type__code=agent_code)
        live_count = live.count()
    return (closed.aggregate(total=Sum("requests"))["total"] or 0) + live_count


def period_start(days: int):
    return today() - timedelta(days=days - 1)


def by_testid(html: str, name: str) -> str:
    text = re.search(rf'data-testid="{name}"[^>]*>(.*?)</(?:p|dd|span)>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", "", text).strip()


def by_testid_block(html: str, name: str) -> str:
    return re.search(rf'data-testid="{name}"[^>]*>(.*?)</div>', html, re.S).group(1)


def number(text: str) -> int:
    return int(text.replace(",", ""))


def add_live_requests(tenant, count: int) -> None:
    with tenant_context(tenant):
        agent = TenantAgent.objects.order_by("pk").first()
        AgentRequest.objects.bulk_create(
            AgentRequest(agent=agent, started_at=datetime.now(UTC), duration_ms=100, outcome="success", tokens_in=5)
            for _ in range(count)
        )


@pytest.fixture
def empty_co(db):
    tenant = tenant_create(slug="empty-co", name="Empty", plan=Plan.objects.get(code="starter"))
    user = user_ensure(email="admin@empty.test", name="Empty Admin")
    membership_set(user=user, tenant=tenant, role=Role.TENANT_ADMIN)
    client = Client(HTTP_HOST="empty-co.localhost")
    log_in_on(client, tenant, user)
    return tenant, client


# Usage


@pytest.mark.parametrize("period, days", [("7d", 7), ("30d", 30), ("90d", 90)])
def test_usage_totals_equal_the_database_today_included(client_for, acme, period, days):
    add_live_requests(acme, 3)
    html = client_for(acme, USER).get("/app/dashboard/usage", {"period": period}).content.decode()

    assert number(by_testid(html, "total-requests")) == expected_requests(acme, period_start(days))
    assert html.count("<tr data-day=") == days
    assert re.search(rf'<tr data-day="{today().isoformat()}"><td>[^<]*<span class="badge live">live</span>', html)


def test_usage_period_defaults_to_30_days_and_7d_differs_from_90d(client_for, acme):
    client = client_for(acme, ADMIN)
    default = number(by_testid(client.get("/app/dashboard/usage").content.decode(), "total-requests"))
    week = number(by_testid(client.get("/app/dashboard/usage?period=7d").content.decode(), "total-requests"))
    quarter = number(by_testid(client.get("/app/dashboard/usage?period=90d").content.decode(), "total-requests"))

    assert default == expected_requests(acme, period_start(30))
    assert week < default < quarter


def test_usage_agent_filter_counts_only_that_agent(client_for, acme):
    code = tenant_agents(tenant=acme)[0].agent_type.code
    html = client_for(acme, USER).get("/app/dashboard/usage", {"period": "30d", "agent": code}).content.decode()

    filtered = number(by_testid(html, "total-requests"))
    assert filtered == expected_requests(acme, period_start(30), code)
    assert filtered < expected_requests(acme, period_start(30))
    assert f'<option value="{code}" selected>' in html


@pytest.mark.parametrize(
    "params, message",
    [
        ({"period": "1y"}, "Period: choose 7, 30 or 90 days."),
        ({"period": ""}, "Period: choose 7, 30 or 90 days."),
        ({"agent": "no-such-agent"}, "Agent: there is no such agent."),
    ],
)
def test_bad_usage_parameters_are_a_form_error_with_400(client_for, acme, params, message):
    client = client_for(acme, USER)
    page = client.get("/app/dashboard/usage", params)
    fragment = client.get("/app/dashboard/usage", params, HTTP_HX_REQUEST="true")
    csv_file = client.get("/app/dashboard/usage.csv", params)

    assert page.status_code == fragment.status_code == csv_file.status_code == 400
    assert message in page.content.decode() and message in fragment.content.decode()
    assert 'data-testid="total-requests"' not in page.content.decode()
    assert message in csv_file.content.decode()


def test_usage_htmx_request_gets_the_panel_only(client_for, acme):
    client = client_for(acme, USER)
    response = client.get("/app/dashboard/usage", {"period": "7d"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert response.status_code == 200 and "<html" not in html
    assert number(by_testid(html, "total-requests")) == expected_requests(acme, period_start(7))
    assert 'data-period="7d" aria-current="true"' in html
    assert "HX-Request" in response["Vary"]


def test_usage_query_count_is_bounded_and_does_not_grow_with_the_period(
    client_for, acme, django_assert_max_num_queries
):
    client = client_for(acme, USER)
    client.get("/app/dashboard")  # session and tenant lookups warmed up like any later page
    counts = {}
    for period in ("7d", "90d"):
        with django_assert_max_num_queries(16) as captured:
            assert client.get("/app/dashboard/usage", {"period": period}).status_code == 200
        counts[period] = len(captured.captured_queries)
    assert counts["7d"] == counts["90d"]


# CSV


def test_usage_csv_has_a_header_and_one_row_per_day(client_for, acme):
    add_live_requests(acme, 2)
    response = client_for(acme, USER).get("/app/dashboard/usage.csv", {"period": "7d"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="acme-usage-7d.csv"'
    assert response.content.decode().splitlines()[0].startswith("day,live,requests,successes,errors,timeouts,")
    assert [row["day"] for row in rows] == [(period_start(7) + timedelta(i)).isoformat() for i in range(7)]
    assert [row["live"] for row in rows] == ["no"] * 6 + ["yes"]
    assert sum(int(row["requests"]) for row in rows) == expected_requests(acme, period_start(7))


def test_usage_csv_defaults_to_30_days(client_for, acme):
    response = client_for(acme, ADMIN).get("/app/dashboard/usage.csv")
    assert response["Content-Disposition"] == 'attachment; filename="acme-usage-30d.csv"'
    assert len(response.content.decode().splitlines()) == 31


# Overview


def test_overview_shows_month_to_date_against_the_plan(client_for, acme):
    incident_open(tenant=acme, dedupe_key="client-pages", title="Quota", severity="warning", source="test")
    html = client_for(acme, USER).get("/app/dashboard").content.decode()

    used = expected_requests(acme, today().replace(day=1))
    limit = acme.plan.requests_per_month
    assert by_testid(html, "plan-name") == "Growth"
    assert by_testid(html, "month-requests") == f"{used:,} of {limit:,} · {used * 100 / limit:.1f}%"
    assert number(by_testid(html, "open-incidents")) == Incident.objects.filter(tenant=acme, status="open").count()
    assert 'data-chart="overview-requests"' in html


def test_overview_marks_a_limit_reached(client_for, acme):
    used = expected_requests(acme, today().replace(day=1))
    acme.plan.requests_per_month = max(used // 2, 1)
    acme.plan.save(update_fields=["requests_per_month"])

    forget_hosts(["acme.localhost"])
    html = client_for(acme, USER).get("/app/dashboard").content.decode()

    assert '<div class="progress bad" role="progressbar" aria-label="Requests used this month"' in html
    assert "Over the plan's limit" in html


def test_overview_of_a_suspended_tenant_says_so(rf, acme):
    request = rf.get("/app/dashboard")
    acme.status = "suspended"
    request.tenant, request.user, request.htmx = acme, User.objects.get(email=USER), False
    html = client_overview(request).content.decode()

    assert 'data-testid="suspended-banner"' in html and "This account is suspended." in html


# Agents, integrations, incidents


def test_agents_page_lists_every_agent_with_its_30_day_figures(client_for, acme):
    with tenant_context(acme):
        agents = list(TenantAgent.objects.select_related("agent_type"))
    html = client_for(acme, USER).get("/app/dashboard/agents").content.decode()

    assert html.count("<tr data-agent=") == len(agents) > 0
    for agent in agents:
        row = re.search(rf'<tr data-agent="{agent.agent_type.code}">(.*?)</tr>', html, re.S).group(1)
        assert agent.agent_type.name in row and f"{agent.requests_30d:,}" in row
        assert f'class="badge agent-{agent.status}"' in row


def test_integrations_page_makes_reauthorization_stand_out_and_hides_secrets(client_for, acme):
    with tenant_context(acme):
        integration = Integration.objects.order_by("pk").first()
        Integration.objects.filter(pk=integration.pk).update(status="reauth_required", secret_ref="vault/acme/secret-x")
        count = Integration.objects.count()
    html = client_for(acme, USER).get("/app/dashboard/integrations").content.decode()

    assert html.count("<tr data-integration=") == count
    assert 'data-testid="reauth-alert"' in html and integration.name in by_testid_block(html, "reauth-alert")
    assert f'<tr data-integration="{integration.pk}" class="row-alert">' in html
    assert "secret-x" not in html


def test_incidents_filter_by_status_and_paginate_at_25(client_for, acme, django_assert_max_num_queries):
    for i in range(27):
        incident_open(tenant=acme, dedupe_key=f"page-{i}", title=f"Paged {i}", severity="info", source="test")
    resolved, _ = incident_open(tenant=acme, dedupe_key="done", title="Was resolved", severity="critical", source="x")
    Incident.objects.filter(pk=resolved.pk).update(status="resolved")
    open_count = Incident.objects.filter(tenant=acme, status="open").count()
    client = client_for(acme, USER)

    with django_assert_max_num_queries(16):
        first = client.get("/app/dashboard/incidents", {"status": "open"}).content.decode()
    last = client.get(
        "/app/dashboard/incidents", {"status": "open", "page": (open_count - 1) // 25 + 1}
    ).content.decode()
    only_resolved = client.get("/app/dashboard/incidents", {"status": "resolved"}).content.decode()

    assert first.count("<tr data-incident=") == 25 and "Was resolved" not in first
    assert last.count("<tr data-incident=") == (open_count - 1) % 25 + 1
    assert "status=open&amp;page=2" in first
    resolved_count = Incident.objects.filter(tenant=acme, status="resolved").count()
    assert only_resolved.count("<tr data-incident=") == min(resolved_count, 25) and "Was resolved" in only_resolved


@pytest.mark.parametrize("params", [{"page": "99"}, {"page": "x"}, {"status": "closed"}])
def test_bad_incident_page_or_status_is_400(client_for, acme, params):
    response = client_for(acme, USER).get("/app/dashboard/incidents", params)
    assert response.status_code == 400 and 'data-testid="incidents-error"' in response.content.decode()


# Access and empty tenants


@pytest.mark.parametrize("path", PAGES)
def test_members_see_every_page_and_other_tenants_get_404(client_for, acme, path):
    for email in (ADMIN, USER):
        assert client_for(acme, email).get(path).status_code == 200
    outsider = client_for(acme, OUTSIDER).get(path)
    assert outsider.status_code == 404 and b"Acme" not in outsider.content


def test_navigation_links_every_client_page(client_for, acme):
    html = client_for(acme, USER).get("/app/dashboard/agents").content.decode()
    for path in PAGES:
        if not path.endswith(".csv"):
            assert f'href="{path}"' in html
    assert '<a href="/app/dashboard/agents" aria-current="page">Agents</a>' in html


@pytest.mark.parametrize(
    "path, friendly",
    [
        ("/app/dashboard", "No requests yet."),
        ("/app/dashboard/integrations", "No integrations yet."),
        ("/app/dashboard/usage", "No requests in this period yet."),
        ("/app/dashboard/incidents", "No incidents."),
    ],
)
def test_a_brand_new_tenant_gets_zeros_and_friendly_text(empty_co, path, friendly):
    _, client = empty_co
    response = client.get(path)
    html = response.content.decode()

    assert response.status_code == 200 and friendly in html
    if path == "/app/dashboard/usage":
        assert number(by_testid(html, "total-requests")) == 0
    if path == "/app/dashboard":
        assert by_testid(html, "month-requests") == "0 of 50,000 · 0.0%"


def test_a_brand_new_tenant_has_agents_page_and_an_empty_csv(empty_co):
    tenant, client = empty_co
    with tenant_context(tenant):
        agent_count = TenantAgent.objects.count()
    agents = client.get("/app/dashboard/agents").content.decode()
    rows = list(csv.DictReader(io.StringIO(client.get("/app/dashboard/usage.csv", {"period": "7d"}).content.decode())))

    assert agents.count("<tr data-agent=") == agent_count
    assert ("No agents yet." in agents) == (agent_count == 0)
    assert len(rows) == 7 and {row["requests"] for row in rows} == {"0"}
