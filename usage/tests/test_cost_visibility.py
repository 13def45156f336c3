"""Cost is billing: support sees usage but no price or cost on any surface; admins and the tenant's own people do."""

import csv
import io
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db.models import Sum
from django.test import Client

from tenants.models import Tenant
from usage.models import UsageDaily
from usage.selectors import utc_today

pytestmark = pytest.mark.django_db

ADMIN, SUPPORT = "admin@alquimista.test", "support@alquimista.test"


def overview_cost(days: int) -> str:
    start = utc_today() - timedelta(days=days - 1)
    rows = UsageDaily.objects.filter(day__gte=start, day__lte=utc_today(), tenant__in=Tenant.objects.customers())
    return str(rows.aggregate(s=Sum("cost"))["s"].quantize(Decimal("0.01")))


def test_the_usage_overview_api_gives_cost_to_admins_only(client_for, public_tenant):
    as_admin = client_for(public_tenant, ADMIN).get("/api/internal/usage/overview", {"period": "30d"}).json()
    as_support = client_for(public_tenant, SUPPORT).get("/api/internal/usage/overview", {"period": "30d"}).json()

    assert as_admin["totals"]["cost"] == overview_cost(30)
    assert "cost" not in as_support["totals"]
    assert {key: value for key, value in as_admin["totals"].items() if key != "cost"} == as_support["totals"]
    assert as_support["top_tenants_by_requests"] == as_admin["top_tenants_by_requests"]


@pytest.mark.parametrize("path", ["/app/company", "/app/company/usage"])
def test_company_pages_show_usage_cost_to_admins_only(client_for, public_tenant, path):
    as_admin = client_for(public_tenant, ADMIN).get(path)
    as_support = client_for(public_tenant, SUPPORT).get(path)

    assert as_admin.status_code == as_support.status_code == 200
    assert "Usage cost" in as_admin.content.decode() and "Usage cost" not in as_support.content.decode()
    totals = as_support.context["totals"] if "totals" in as_support.context else as_support.context["usage"]["totals"]
    assert "cost" not in totals


def test_the_company_tenant_page_shows_the_month_cost_to_admins_only(client_for, public_tenant, acme):
    path = f"/app/company/tenants/{acme.pk}"
    as_admin = client_for(public_tenant, ADMIN).get(path)
    as_support = client_for(public_tenant, SUPPORT).get(path)

    assert "Usage cost" in as_admin.content.decode() and "Usage cost" not in as_support.content.decode()
    assert "cost" in as_admin.context["month"] and "cost" not in as_support.context["month"]
    assert "cost" not in as_support.context["totals"]


def view_as(client_for, public_tenant, tenant, email) -> Client:
    start = client_for(public_tenant, email).post(f"/app/company/tenants/{tenant.pk}/view-as")
    parts = urlsplit(start["Location"])
    client = Client(HTTP_HOST=parts.hostname)
    client.get(client.get(f"{parts.path}?{parts.query}")["Location"])
    return client


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_usage_csv_has_cost_for_the_tenant_and_admins_not_for_support_viewing_as(client_for, public_tenant, acme):
    start = utc_today() - timedelta(days=6)
    daily = UsageDaily.objects.filter(tenant=acme, day__gte=start, day__lt=utc_today()).values("day")
    cost = {row["day"].isoformat(): str(row["s"].quantize(Decimal("0.01"))) for row in daily.annotate(s=Sum("cost"))}
    own = csv_rows(client_for(acme, "user@acme.test").get("/app/dashboard/usage.csv", {"period": "7d"}))
    admin = csv_rows(view_as(client_for, public_tenant, acme, ADMIN).get("/app/dashboard/usage.csv", {"period": "7d"}))
    support = view_as(client_for, public_tenant, acme, SUPPORT).get("/app/dashboard/usage.csv", {"period": "7d"})

    assert {row["day"]: row["cost"] for row in own[:-1]} == cost  # today, live, is not rolled up yet
    assert admin == own
    assert support.status_code == 200
    assert "cost" not in csv_rows(support)[0]
    assert [{k: v for k, v in row.items() if k != "cost"} for row in own] == csv_rows(support)


def test_support_viewing_as_a_tenant_sees_no_month_cost(client_for, public_tenant, acme):
    page = view_as(client_for, public_tenant, acme, SUPPORT).get("/app/dashboard")
    assert page.status_code == 200 and "cost" not in page.context["month"]


def test_support_viewing_as_a_tenant_sees_no_usage_cost(client_for, public_tenant, acme):
    as_support = view_as(client_for, public_tenant, acme, SUPPORT).get("/app/dashboard/usage", {"period": "7d"})
    own = client_for(acme, "user@acme.test").get("/app/dashboard/usage", {"period": "7d"})

    assert as_support.status_code == own.status_code == 200
    assert "cost" in own.context["usage"]["totals"] and "cost" not in as_support.context["usage"]["totals"]
    assert all("cost" in day for day in own.context["days"])
    assert not any("cost" in day for day in as_support.context["days"])


def test_the_internal_tenant_detail_and_agents_give_prices_and_cost_to_admins_only(client_for, public_tenant, acme):
    as_admin = client_for(public_tenant, ADMIN).get(f"/api/internal/tenants/{acme.pk}").json()
    as_support = client_for(public_tenant, SUPPORT).get(f"/api/internal/tenants/{acme.pk}").json()
    assert as_admin["plan"]["monthly_price"] == str(acme.plan.monthly_price)
    assert "cost" in as_admin["month"]
    assert "monthly_price" not in as_support["plan"] and "overage_price_per_1k_tokens" not in as_support["plan"]
    assert "cost" not in as_support["month"]
    assert as_support["month"]["usage"] == as_admin["month"]["usage"]

    agents_admin = client_for(public_tenant, ADMIN).get(f"/api/internal/tenants/{acme.pk}/agents").json()["results"]
    agents_support = client_for(public_tenant, SUPPORT).get(f"/api/internal/tenants/{acme.pk}/agents").json()["results"]
    assert all("price_per_1k_tokens" in agent["agent_type"] for agent in agents_admin)
    assert not any("price_per_1k_tokens" in agent["agent_type"] for agent in agents_support)
    assert len(agents_admin) == len(agents_support) > 0


def test_the_tenant_s_own_people_see_their_own_cost(client_for, acme):
    me = client_for(acme, "user@acme.test").get("/api/tenant/me").json()
    assert me["plan"]["monthly_price"] == str(acme.plan.monthly_price) and "cost" in me["month"]
