"""The company panel pages: figures checked against the database, access, incident actions."""

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from agents.models import TenantAgent
from audit.models import OperationalEvent
from integrations.models import Integration
from operations.models import Incident
from operations.services import incident_open
from tenants.models import Plan, Tenant
from usage.models import UsageDaily

pytestmark = pytest.mark.django_db

ADMIN, SUPPORT = "admin@alquimista.test", "support@alquimista.test"


def today():
    return datetime.now(UTC).date()


def requests_since(tenant, since) -> int:
    return UsageDaily.objects.filter(tenant=tenant, day__gt=since).aggregate(s=Sum("requests"))["s"] or 0


def by_testid(html: str, name: str) -> str:
    text = re.search(rf'data-testid="{name}"[^>]*>(.*?)</(?:p|td)>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", "", text).strip()


def number(text: str) -> int:
    return int(text.replace(",", ""))


def tenant_row(html: str, slug: str) -> str:
    return re.search(rf'<tr data-tenant="{slug}">(.*?)</tr>', html, re.S).group(1)


def first_cells(html: str) -> list[str]:
    """The tenant name in each row's first cell, as the e2e tests read it."""
    rows = re.findall(r"<tbody>(.*?)</tbody>", html, re.S)[0]
    return [re.sub(r"<[^>]+>", "", cell).split()[0] for cell in re.findall(r"<tr[^>]*><td>(.*?)</td>", rows, re.S)]


def chart(html: str, element_id: str) -> dict:
    return json.loads(re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html).group(1))


def extra_tenants(count: int, status: str = "active", prefix: str = "extra") -> list[Tenant]:
    plan = Plan.objects.get(code="starter")
    return [
        Tenant.objects.create(
            schema_name=f"{prefix}_{i}", slug=f"{prefix}-{i}", name=f"Zz {prefix} {i:02}", plan=plan, status=status
        )
        for i in range(count)
    ]


@pytest.fixture
def incident(acme):
    incident, _ = incident_open(
        tenant=acme, dedupe_key="page-test", title="Page test", severity="warning", source="test"
    )
    return incident


def test_overview_counts_and_30_day_totals(client_for, public_tenant):
    html = client_for(public_tenant, SUPPORT).get("/app/company").content.decode()
    customers = Tenant.objects.customers()
    since = today() - timedelta(days=30)
    requests = UsageDaily.objects.filter(tenant__in=customers, day__gt=since).aggregate(s=Sum("requests"))["s"]

    assert number(by_testid(html, "tenant-count")) == customers.count() == 3
    assert number(by_testid(html, "active-count")) == customers.filter(status="active").count()
    assert number(by_testid(html, "open-incidents")) == Incident.objects.filter(status="open").count()
    assert number(by_testid(html, "total-requests")) == requests > 0
    series = chart(html, "requests-30d")
    assert len(series["labels"]) == 30 and sum(series["datasets"][0]["data"]) == requests


def test_nav_offers_billing_to_admins_only(client_for, public_tenant):
    admin = client_for(public_tenant, ADMIN).get("/app/company").content
    support = client_for(public_tenant, SUPPORT).get("/app/company").content
    assert b'href="/app/company/billing"' in admin and b'href="/app/company/billing"' not in support
    assert b'href="/app/company/usage"' in support and b'href="/app/company/incidents"' in support


def test_tenants_list_shows_each_tenants_30_day_figures(client_for, public_tenant, acme, incident):
    response = client_for(public_tenant, SUPPORT).get("/app/company/tenants")
    html = response.content.decode()
    since = today() - timedelta(days=30)

    assert first_cells(html) == ["Acme", "Globex", "Initech"]
    for tenant in Tenant.objects.customers():
        row = tenant_row(html, tenant.slug)
        rows = UsageDaily.objects.filter(tenant=tenant, day__gt=since)
        figures = rows.aggregate(requests=Sum("requests"), failures=Sum(F("errors") + F("timeouts")))
        assert number(by_testid(row, "requests-30d")) == figures["requests"] > 0
        assert by_testid(row, "error-rate-30d") == f"{figures['failures'] / figures['requests'] * 100:.2f}%"
        assert number(by_testid(row, "open-incidents")) == tenant.incidents.filter(status="open").count()
        assert f'action="/app/company/tenants/{tenant.pk}/view-as"' in row
    assert f'href="/app/company/tenants/{acme.pk}"' in html


def test_tenants_sort_filter_and_empty_state(client_for, public_tenant):
    client = client_for(public_tenant, SUPPORT)
    since = today() - timedelta(days=30)
    busiest = sorted(Tenant.objects.customers().filter(status="active"), key=lambda t: -requests_since(t, since))
    suspended = extra_tenants(1, status="suspended")[0]

    by_requests = client.get("/app/company/tenants", {"ordering": "-requests_30d", "status": "active"})
    assert first_cells(by_requests.content.decode()) == [t.name.split()[0] for t in busiest]
    only_suspended = client.get("/app/company/tenants", {"status": "suspended"}).content.decode()
    assert first_cells(only_suspended) == ["Zz"] and suspended.slug in only_suspended
    nothing = client.get("/app/company/tenants", {"search": "no-such-tenant"})
    assert nothing.status_code == 200 and b"No tenant matches these filters" in nothing.content


def test_tenants_pagination_and_bad_pages(client_for, public_tenant):
    client = client_for(public_tenant, SUPPORT)
    extra_tenants(30)

    first = client.get("/app/company/tenants").content.decode()
    second = client.get("/app/company/tenants", {"page": 2}).content.decode()
    assert len(first_cells(first)) == 25 and len(first_cells(second)) == 33 - 25
    assert 'href="?page=2"' in first
    for bad in ("3", "x", "0"):
        response = client.get("/app/company/tenants", {"page": bad})
        assert response.status_code == 400 and b"There is no such page." in response.content


def test_tenants_list_queries_do_not_grow_with_tenants(client_for, public_tenant, django_assert_max_num_queries):
    client = client_for(public_tenant, SUPPORT)
    client.get("/app/company/tenants")  # session and per-process look-ups out of the way
    with CaptureQueriesContext(connection) as three:
        client.get("/app/company/tenants")
    extra_tenants(20)

    with django_assert_max_num_queries(len(three.captured_queries)):
        html = client.get("/app/company/tenants").content.decode()
    assert len(first_cells(html)) == 23


def test_tenant_detail_shows_usage_agents_integrations_and_incidents(client_for, public_tenant, acme, incident):
    response = client_for(public_tenant, SUPPORT).get(f"/app/company/tenants/{acme.pk}")
    html = response.content.decode()
    series = chart(html, "tenant-usage-90d")
    start = today() - timedelta(days=89)
    daily = dict(
        UsageDaily.objects.filter(tenant=acme, day__gte=start, day__lt=today())
        .values("day")
        .annotate(s=Sum("requests"))
        .values_list("day", "s")
    )

    assert response.status_code == 200 and acme.owner_email in html and acme.get_sla_display() in html
    assert len(series["labels"]) == 90
    assert series["datasets"][0]["data"][:-1] == [daily.get(start + timedelta(days=i), 0) for i in range(89)]
    with tenant_context(acme):
        agent_names = list(TenantAgent.objects.values_list("agent_type__name", flat=True))
        integrations = list(Integration.objects.values_list("name", "status"))
    assert agent_names and all(name in html for name in agent_names)
    assert integrations and all(f"health-{status}" in html and name in html for name, status in integrations)
    assert "Page test" in html and f'action="/app/company/incidents/{incident.pk}/acknowledge"' in html
    assert f'action="/app/company/tenants/{acme.pk}/view-as"' in html


def test_tenant_detail_is_404_for_unknown_ids_and_the_public_tenant(client_for, public_tenant):
    client = client_for(public_tenant, ADMIN)
    assert client.get("/app/company/tenants/999999").status_code == 404
    assert client.get(f"/app/company/tenants/{public_tenant.pk}").status_code == 404


@pytest.mark.parametrize("period, days", [("7d", 7), ("30d", 30), ("90d", 90)])
def test_usage_page_totals_and_top_tenant(client_for, public_tenant, period, days):
    html = client_for(public_tenant, SUPPORT).get("/app/company/usage", {"period": period}).content.decode()
    start = today() - timedelta(days=days)
    sums = {t.name: requests_since(t, start) for t in Tenant.objects.customers()}
    top_name = max(sums, key=sums.get)

    assert number(by_testid(html, "total-requests")) == sum(sums.values())
    ranking = re.search(r'data-testid="top-by-requests">(.*?)</ol>', html, re.S).group(1)
    assert re.search(r"<a [^>]*>(.*?)</a>", ranking).group(1) == top_name
    assert chart(html, "usage-top")["labels"][0] == top_name
    assert len(chart(html, "usage-daily")["labels"]) == days
    assert f'data-period="{period}" aria-current="true"' in html


def test_usage_page_bad_period_is_400(client_for, public_tenant):
    response = client_for(public_tenant, SUPPORT).get("/app/company/usage", {"period": "1y"})
    assert response.status_code == 400 and b"Period: choose 7, 30 or 90 days." in response.content


def test_billing_is_for_admins_with_mrr_from_plan_prices(client_for, public_tenant):
    assert client_for(public_tenant, SUPPORT).get("/app/company/billing").status_code == 403
    response = client_for(public_tenant, ADMIN).get("/app/company/billing")
    billed = Tenant.objects.customers().filter(status__in=["active", "suspended"], plan__isnull=False)
    mrr = sum((t.plan.monthly_price for t in billed), Decimal("0"))

    assert response.status_code == 200
    html = response.content.decode()
    assert Decimal(by_testid(html, "mrr").replace(",", "")) == mrr
    assert chart(html, "revenue-by-plan-chart")["labels"] == sorted(
        {t.plan.name for t in billed}, key=lambda name: Plan.objects.get(name=name).code
    )


def test_acknowledge_then_resolve_is_audited_and_a_second_resolve_is_a_message(client_for, public_tenant, incident):
    client = client_for(public_tenant, SUPPORT)
    back = "/app/company/incidents?status=open"

    acknowledged = client.post(f"/app/company/incidents/{incident.pk}/acknowledge", {"back": back})
    incident.refresh_from_db()
    assert acknowledged.status_code == 302 and acknowledged["Location"] == back
    assert incident.status == "acknowledged"
    client.post(f"/app/company/incidents/{incident.pk}/resolve")
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.resolved_by.email == SUPPORT
    events = OperationalEvent.objects.filter(target_type="incident", target_id=str(incident.pk))
    assert sorted(events.values_list("action", flat=True)) == ["incident.acknowledged", "incident.resolved"]

    again = client.post(f"/app/company/incidents/{incident.pk}/resolve", follow=True)
    assert again.status_code == 200 and b"An incident that is resolved cannot be resolved." in again.content
    assert events.count() == 2


def test_incident_actions_refuse_gets_and_foreign_back_urls(client_for, public_tenant, incident):
    client = client_for(public_tenant, ADMIN)
    assert client.get(f"/app/company/incidents/{incident.pk}/resolve").status_code == 405
    response = client.post(f"/app/company/incidents/{incident.pk}/acknowledge", {"back": "https://evil.test/"})
    assert response["Location"] == "/app/company/incidents"
    assert client.post("/app/company/incidents/999999/resolve").status_code == 404


def test_incidents_page_filters_and_paginates(client_for, public_tenant, acme, globex, incident):
    for i in range(30):
        incident_open(tenant=globex, dedupe_key=f"bulk-{i}", title=f"Bulk {i}", severity="critical", source="test")
    client = client_for(public_tenant, SUPPORT)

    for_acme = client.get("/app/company/incidents", {"tenant": acme.pk, "severity": "warning"}).content.decode()
    shown = set(map(int, re.findall(r'<tr data-incident="(\d+)">', for_acme)))
    expected = set(Incident.objects.filter(tenant=acme, severity="warning").values_list("pk", flat=True))
    assert shown == expected and incident.pk in shown

    critical = Incident.objects.filter(severity="critical").count()
    second = client.get("/app/company/incidents", {"severity": "critical", "page": 2}).content.decode()
    assert len(re.findall(r"<tr data-incident=", second)) == critical - 25
    assert client.get("/app/company/incidents", {"page": "99"}).status_code == 400
    empty = client.get("/app/company/incidents", {"tenant": acme.pk, "status": "resolved", "severity": "info"})
    assert b"No incident matches these filters" in empty.content


@pytest.mark.parametrize(
    "path",
    ["/app/company", "/app/company/tenants", "/app/company/usage", "/app/company/billing", "/app/company/incidents"],
)
def test_tenant_users_are_sent_away_from_company_pages(client_for, public_tenant, acme, path):
    detail = path.replace("/tenants", f"/tenants/{acme.pk}")
    for page in {path, detail}:
        response = client_for(public_tenant, "admin@acme.test").get(page)
        assert response.status_code == 302 and "/app/company" not in response["Location"]


def test_tenant_users_cannot_acknowledge_incidents(client_for, public_tenant, incident):
    response = client_for(public_tenant, "admin@acme.test").post(f"/app/company/incidents/{incident.pk}/acknowledge")
    incident.refresh_from_db()
    assert response.status_code == 302 and incident.status == "open"
