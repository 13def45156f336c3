"""Company panel pages for staff: overview, tenants, a tenant's detail, usage, billing and incidents."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.cost_visibility import cost_for
from accounts.policy import Action
from agents.selectors import tenant_agents
from core.tenancy import customer_tenant_or_404
from dashboards.access import page_post_requires, page_requires
from dashboards.charts import bar_chart, requests_and_failures_chart
from dashboards.forms import TENANT_ORDERINGS, IncidentFilterForm, PeriodForm, ReturnForm, TenantFilterForm
from dashboards.messages import error_messages, form_problems
from dashboards.pagination import filtered_page
from integrations.selectors import tenant_integrations
from operations.models import Incident
from operations.selectors import command_list, incident_list
from operations.services import incident_transition
from tenants.models import Tenant
from tenants.selectors import plan_list, tenant_list
from usage.selectors import (
    PERIODS,
    billing_overview_cached,
    month_to_date,
    tenant_usage_cached,
    tenants_with_usage,
    usage_overview_cached,
)


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
        "totals": cost_for(request.user, usage["totals"]),
        "chart": requests_and_failures_chart(usage["series"]),
    }
    return render(request, "company/overview.html", context)


@page_requires(Action.VIEW_COMPANY_PANEL)
def company_tenants(request):
    form = TenantFilterForm(request.GET)
    context, status = filtered_page(request, form, tenants_with_usage)
    ordering = form.cleaned_data.get("ordering", "name")
    context |= {
        "sort_links": {
            field: "?" + form.query(ordering=f"-{field}" if ordering == field else field)
            for field in ("name", "status", "requests_30d", "created_at")
        },
        "orderings": TENANT_ORDERINGS.items(),
        "statuses": Tenant.Status.choices,
        "plans": plan_list(),
    }
    return render(request, "company/tenants.html", context, status=status)


@page_requires(Action.VIEW_COMPANY_PANEL)
def company_tenant(request, tenant_id: int):
    tenant = customer_tenant_or_404(tenant_id)
    context = {"tenant": tenant, "has_schema": tenant.has_schema}
    if context["has_schema"]:
        usage = tenant_usage_cached(tenant=tenant, period="90d")
        context |= {
            "month": cost_for(request.user, month_to_date(tenant=tenant), tenant=tenant),
            "totals": cost_for(request.user, usage["totals"], tenant=tenant),
            "chart": requests_and_failures_chart(usage["series"], failures=lambda day: day["errors"] + day["timeouts"]),
            "agents": tenant_agents(tenant=tenant),
            "integrations": tenant_integrations(tenant=tenant),
        }
    context["incidents"] = incident_list(tenant=tenant)[:10]
    context["commands"] = command_list(tenant=tenant)[:5]
    return render(request, "company/tenant.html", context)


@page_requires(Action.VIEW_COMPANY_PANEL)
def company_usage(request):
    form = PeriodForm(request.GET)
    context = {"form": form, "period": form.data["period"], "periods": PERIODS}
    if not form.is_valid():
        context["error"] = " ".join(form_problems(form))
        return render(request, "company/usage.html", context, status=400)
    usage = cost_for(request.user, _overview(form.cleaned_data["period"]))
    top = usage["top_tenants_by_requests"]
    context |= {
        "usage": usage,
        "daily_chart": requests_and_failures_chart(usage["series"]),
        "top_chart": bar_chart((t["name"] for t in top), _("Requests"), (t["requests"] for t in top)),
    }
    return render(request, "company/usage.html", context)


@page_requires(Action.VIEW_BILLING)
def company_billing(request):
    billing = billing_overview_cached()
    by_plan = billing["revenue_by_plan"]
    context = {
        "billing": billing,
        "plan_chart": bar_chart((p["name"] for p in by_plan), _("Revenue"), (p["revenue"] for p in by_plan)),
    }
    return render(request, "company/billing.html", context)


@page_requires(Action.VIEW_COMPANY_PANEL)
def company_incidents(request):
    context, status = filtered_page(request, IncidentFilterForm(request.GET), incident_list)
    context |= {
        "tenants": tenant_list(),
        "statuses": Incident.Status.choices,
        "severities": Incident.Severity.choices,
    }
    return render(request, "company/incidents.html", context, status=status)


TRANSITIONS_DONE = {
    "acknowledge": _lazy("“%(title)s” (%(tenant)s) acknowledged."),
    "resolve": _lazy("“%(title)s” (%(tenant)s) resolved."),
}


@page_post_requires(Action.VIEW_COMPANY_PANEL)
def company_incident_transition(request, incident_id: int, transition: str):
    incident = get_object_or_404(incident_list(), pk=incident_id)
    form = ReturnForm(request.POST)
    form.is_valid()  # `back` is never refused: a path elsewhere is dropped
    try:
        incident_transition(incident=incident, to=transition, actor=request.user, request=request)
    except ValidationError as error:
        error_messages(request, form, error)
    else:
        messages.success(
            request, TRANSITIONS_DONE[transition] % {"title": incident.title, "tenant": incident.tenant.name}
        )
    return redirect(form.cleaned_data["back"] or "company-incidents")
