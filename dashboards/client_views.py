"""The client dashboard on a tenant's host: overview, agents, integrations, usage (page and CSV), incidents."""

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode

from accounts.cost_visibility import cost_for
from accounts.policy import Action, may_see_cost
from agents.selectors import tenant_agents
from core.csv_export import csv_response
from dashboards.access import page_requires
from dashboards.charts import requests_chart, requests_errors_timeouts_chart, tokens_chart
from dashboards.forms import ClientIncidentFilterForm, UsageForm
from dashboards.messages import form_error_add, form_problems
from dashboards.pagination import filtered_page
from integrations.models import Integration
from integrations.selectors import tenant_integrations
from operations.models import Incident
from operations.selectors import incident_list
from usage.selectors import PERIODS, BadPeriod, month_to_date_cached, tenant_usage_cached

DEFAULT_PERIOD = "30d"
CSV_COLUMNS = (
    "day",
    "live",
    "requests",
    "successes",
    "errors",
    "timeouts",
    "tokens_in",
    "tokens_out",
    "tokens",
    "cost",
    "success_rate",
    "error_rate",
    "avg_ms",
)


def _usage(tenant, period: str, agent: str = "") -> dict:
    """The tenant's usage, sharing its cache entry with the tenant usage API."""
    return tenant_usage_cached(tenant=tenant, period=period, agent_code=agent)


def _usage_params(request) -> tuple[str, str]:
    return request.GET.get("period", DEFAULT_PERIOD), request.GET.get("agent", "").strip()


USAGE_ERRORS = {
    "agent": "Agent: there is no such agent. Pick one from the list.",
    "period": "Period: choose 7, 30 or 90 days.",
}


def _usage_error(error: BadPeriod) -> tuple[str, str]:
    """(field, message) for a refused period or agent, by the field the selector names."""
    field = next(iter(error.message_dict))
    return field, USAGE_ERRORS[field]


def _meter(label: str, figures: dict) -> dict:
    percent = figures["percent"]
    level = "" if percent is None or percent < 80 else "warn" if percent < 100 else "bad"
    return {"label": label, **figures, "level": level, "width": min(percent or 0, 100)}


@page_requires(Action.VIEW_TENANT_DASHBOARD)
def client_overview(request):
    tenant = request.tenant
    month = cost_for(request.user, month_to_date_cached(tenant=tenant), tenant=tenant)
    series = _usage(tenant, "30d")["series"]
    context = {
        "tenant": tenant,
        "plan": tenant.plan,
        "month": month,
        "meters": [_meter("Requests", month["usage"]["requests"]), _meter("Tokens", month["usage"]["tokens"])],
        "open_incidents": incident_list(tenant=tenant, status=Incident.Status.OPEN).count(),
        "requests_30d": sum(day["requests"] for day in series),
        "chart": requests_chart(series),
    }
    return render(request, "dashboards/client_overview.html", context)


@page_requires(Action.VIEW_TENANT_DASHBOARD)
def client_agents(request):
    return render(request, "dashboards/client_agents.html", {"agents": tenant_agents(tenant=request.tenant)})


@page_requires(Action.VIEW_TENANT_DASHBOARD)
def client_integrations(request):
    integrations = tenant_integrations(tenant=request.tenant)
    reauth = [i for i in integrations if i.status == Integration.Status.REAUTH_REQUIRED]
    return render(request, "dashboards/client_integrations.html", {"integrations": integrations, "reauth": reauth})


@page_requires(Action.VIEW_TENANT_DASHBOARD)
def client_usage(request):
    agents = tenant_agents(tenant=request.tenant)
    form = UsageForm(request.GET, agents=agents)
    context = {"form": form, "agents": agents}
    if form.is_valid():
        _usage_context(request, form, context)
    context["problems"] = form_problems(form)
    # Links and the form start again from what was valid.
    period = form.cleaned_data.get("period", DEFAULT_PERIOD)
    agent = form.cleaned_data.get("agent", "")
    context |= {
        "period": period,
        "agent": agent,
        "period_links": [
            (choice, days, urlencode({"period": choice, **({"agent": agent} if agent else {})}))
            for choice, days in PERIODS.items()
        ],
        "csv_query": urlencode({"period": period, **({"agent": agent} if agent else {})}),
    }
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "dashboards/usage_panel.html" if fragment else "dashboards/client_usage.html"
    response = render(request, template, context, status=400 if context["problems"] else 200)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _usage_context(request, form, context: dict) -> None:
    """The usage figures and charts, or the selector's refusal on the form (an agent removed meanwhile)."""
    try:
        usage = _usage(request.tenant, form.cleaned_data["period"], form.cleaned_data["agent"])
        usage = cost_for(request.user, usage, tenant=request.tenant)  # cost is billing for staff viewing as
    except BadPeriod as error:
        form_error_add(form, error)
        return
    series = usage["series"]
    context.update(
        usage=usage,
        days=list(reversed(series)),
        requests_chart=requests_errors_timeouts_chart(series),
        tokens_chart=tokens_chart(series),
    )


@page_requires(Action.VIEW_TENANT_DASHBOARD)
def client_usage_csv(request):
    tenant = request.tenant
    period, agent = _usage_params(request)
    try:
        usage = _usage(tenant, period, agent)
    except BadPeriod as error:
        return HttpResponseBadRequest(_usage_error(error)[1], content_type="text/plain; charset=utf-8")
    columns = [column for column in CSV_COLUMNS if column != "cost" or may_see_cost(request.user, tenant)]
    days = ({**day, "live": "yes" if day["live"] else "no"} for day in usage["series"])
    rows = ([day.get(column) for column in columns] for day in days)
    return csv_response(filename=f"{tenant.slug}-usage-{period}.csv", header=columns, rows=rows, stream=False)


@page_requires(Action.VIEW_TENANT_DASHBOARD)
def client_incidents(request):
    form = ClientIncidentFilterForm(request.GET)
    context, status = filtered_page(request, form, lambda status: incident_list(tenant=request.tenant, status=status))
    context["statuses"] = Incident.Status.choices
    return render(request, "dashboards/client_incidents.html", context, status=status)
