"""Company panel pages for staff: overview, tenants, a tenant's detail, usage, billing and incidents."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from accounts.policy import Action
from agents.selectors import tenant_agents
from core.tenancy import customer_tenant_or_404
from dashboards.access import page_post_requires, page_requires
from integrations.selectors import tenant_integrations
from operations.models import Incident
from operations.selectors import command_list, incident_list
from operations.services import incident_transition
from tenants.models import Plan, Tenant
from tenants.selectors import tenant_list
from usage.selectors import (
    PERIODS,
    BadPeriod,
    billing_overview_cached,
    month_to_date,
    tenant_usage_cached,
    tenants_with_usage,
    usage_overview_cached,
)

PER_PAGE = 25
TENANT_ORDERINGS = {
    "name": "Name, A–Z",
    "-name": "Name, Z–A",
    "-requests_30d": "Most requests",
    "requests_30d": "Fewest requests",
    "-created_at": "Newest",
    "created_at": "Oldest",
    "status": "Status",
    "-status": "Status, reversed",
}
FAILURES_COLOR = "#dc2626"
# Tenants whose schema exists: archived ones have had theirs dropped, provisioning ones may not have it yet.


def _page(request, items):
    """The requested page, or (None, message) for a page that is not a number or out of range."""
    try:
        return Paginator(items, PER_PAGE).page(request.GET.get("page", 1)), None
    except (EmptyPage, PageNotAnInteger):
        return None, "There is no such page."


def _daily_chart(series, failures=lambda day: day["failures"]) -> dict:
    """Requests and failures per day; failures on their own axis, being orders of magnitude fewer."""
    return {
        "type": "line",
        "labels": [day["day"] for day in series],
        "datasets": [
            {"label": "Requests", "data": [day["requests"] for day in series]},
            {"label": "Failures", "data": [failures(day) for day in series], "color": FAILURES_COLOR, "axis": "y2"},
        ],
    }


def _bar_chart(labels, label, values) -> dict:
    return {"type": "bar", "labels": list(labels), "datasets": [{"label": label, "data": [float(v) for v in values]}]}


def _overview(period: str) -> dict:
    return usage_overview_cached(period=period)


@page_requires(Action.VIEW_COMPANY_PANEL)
def company_overview(request):
    usage = _overview("30d")
    context = {
        "tenant_count": tenant_list().count(),
        "active_count": tenant_list(status=Tenant.Status.ACTIVE).count(),
        "suspended_count": tenant_list(status=Tenant.Status.SUSPENDED).count(),
        "open_incidents": incident_list(status=Incident.Status.OPEN).count(),
        "totals": usage["totals"],
        "chart": _daily_chart(usage["series"]),
    }
    return render(request, "company/overview.html", context)


@page_requires(Action.VIEW_COMPANY_PANEL)
def company_tenants(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("search", "status", "plan", "ordering")}
    if filters["ordering"] not in TENANT_ORDERINGS:
        filters["ordering"] = "name"
    page, error = _page(request, tenants_with_usage(**filters))
    chosen = {key: value for key, value in filters.items() if value and not (key == "ordering" and value == "name")}
    context = {
        "page": page,
        "page_error": error,
        "filters": filters,
        "query": urlencode(chosen),
        "sort_links": {
            field: "?" + urlencode({**chosen, "ordering": f"-{field}" if filters["ordering"] == field else field})
            for field in ("name", "status", "requests_30d", "created_at")
        },
        "orderings": TENANT_ORDERINGS.items(),
        "statuses": Tenant.Status.choices,
        "plans": Plan.objects.all(),
    }
    return render(request, "company/tenants.html", context, status=400 if error else 200)


@page_requires(Action.VIEW_COMPANY_PANEL)
def company_tenant(request, tenant_id: int):
    tenant = customer_tenant_or_404(tenant_id)
    context = {"tenant": tenant, "has_schema": tenant.has_schema}
    if context["has_schema"]:
        usage = tenant_usage_cached(tenant=tenant, period="90d")
        context |= {
            "month": month_to_date(tenant=tenant),
            "totals": usage["totals"],
            "chart": _daily_chart(usage["series"], failures=lambda day: day["errors"] + day["timeouts"]),
            "agents": tenant_agents(tenant=tenant),
            "integrations": tenant_integrations(tenant=tenant),
        }
    context["incidents"] = incident_list(tenant=tenant)[:10]
    context["commands"] = command_list(tenant=tenant)[:5]
    return render(request, "company/tenant.html", context)


@page_requires(Action.VIEW_COMPANY_PANEL)
def company_usage(request):
    period = request.GET.get("period", "30d")
    try:
        usage = _overview(period)
    except BadPeriod as error:
        context = {"period": period, "periods": PERIODS, "error": " ".join(error.messages)}
        return render(request, "company/usage.html", context, status=400)
    top = usage["top_tenants_by_requests"]
    context = {
        "period": period,
        "periods": PERIODS,
        "usage": usage,
        "daily_chart": _daily_chart(usage["series"]),
        "top_chart": _bar_chart((t["name"] for t in top), "Requests", (t["requests"] for t in top)),
    }
    return render(request, "company/usage.html", context)


@page_requires(Action.VIEW_BILLING)
def company_billing(request):
    billing = billing_overview_cached()
    by_plan = billing["revenue_by_plan"]
    context = {
        "billing": billing,
        "plan_chart": _bar_chart((p["name"] for p in by_plan), "Revenue", (p["revenue"] for p in by_plan)),
    }
    return render(request, "company/billing.html", context)


@page_requires(Action.VIEW_COMPANY_PANEL)
def company_incidents(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("status", "severity", "tenant")}
    for key, allowed in (("status", Incident.Status.values), ("severity", Incident.Severity.values)):
        if filters[key] not in allowed:
            filters[key] = ""
    tenants = list(tenant_list())
    tenant = next((t for t in tenants if str(t.pk) == filters["tenant"]), None)
    if tenant is None:
        filters["tenant"] = ""
    incidents = incident_list(tenant=tenant, status=filters["status"], severity=filters["severity"])
    page, error = _page(request, incidents)
    context = {
        "page": page,
        "page_error": error,
        "filters": filters,
        "query": urlencode({key: value for key, value in filters.items() if value}),
        "tenants": tenants,
        "statuses": Incident.Status.choices,
        "severities": Incident.Severity.choices,
    }
    return render(request, "company/incidents.html", context, status=400 if error else 200)


@page_post_requires(Action.VIEW_COMPANY_PANEL)
def company_incident_transition(request, incident_id: int, transition: str):
    incident = get_object_or_404(incident_list(), pk=incident_id)
    try:
        incident_transition(incident=incident, to=transition, actor=request.user, request=request)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(request, f"“{incident.title}” ({incident.tenant.name}) {transition}d.")
    back = request.POST.get("back", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts=set(), require_https=False):
        back = "company-incidents"
    return redirect(back)
