"""The client dashboard on a tenant's host: overview, agents, integrations, usage (page and CSV), incidents."""

import csv

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode

from accounts.policy import Action
from agents.selectors import tenant_agents
from dashboards.access import page_requires
from integrations.models import Integration
from integrations.selectors import tenant_integrations
from operations.models import Incident
from operations.selectors import incident_list
from usage.selectors import PERIODS, BadPeriod, month_to_date_cached, tenant_usage_cached

DEFAULT_PERIOD = "30d"
PER_PAGE = 25
ERRORS_COLOR, TIMEOUTS_COLOR = "#dc2626", "#d97706"
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


def _line(series, datasets) -> dict:
    return {"type": "line", "labels": [day["day"] for day in series], "datasets": datasets}


def _requests_chart(series) -> dict:
    """Requests per day; errors and timeouts on their own axis, being orders of magnitude fewer."""
    return _line(
        series,
        [
            {"label": "Requests", "data": [day["requests"] for day in series]},
            {"label": "Errors", "data": [day["errors"] for day in series], "color": ERRORS_COLOR, "axis": "y2"},
            {"label": "Timeouts", "data": [day["timeouts"] for day in series], "color": TIMEOUTS_COLOR, "axis": "y2"},
        ],
    )


def _tokens_chart(series) -> dict:
    return {
        "type": "bar",
        "stacked": True,
        "labels": [day["day"] for day in series],
        "datasets": [
            {"label": "Tokens in", "data": [day["tokens_in"] for day in series]},
            {"label": "Tokens out", "data": [day["tokens_out"] for day in series], "color": "#0891b2"},
        ],
    }


@page_requires(Action.VIEW_TENANT_DASHBOARD)
def client_overview(request):
    tenant = request.tenant
    month = month_to_date_cached(tenant=tenant)
    series = _usage(tenant, "30d")["series"]
    context = {
        "tenant": tenant,
        "plan": tenant.plan,
        "month": month,
        "meters": [_meter("Requests", month["usage"]["requests"]), _meter("Tokens", month["usage"]["tokens"])],
        "open_incidents": incident_list(tenant=tenant, status=Incident.Status.OPEN).count(),
        "requests_30d": sum(day["requests"] for day in series),
        "chart": _line(series, [{"label": "Requests", "data": [day["requests"] for day in series]}]),
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
    tenant = request.tenant
    period, agent = _usage_params(request)
    agents = tenant_agents(tenant=tenant)
    context = {"period": period, "agent": agent, "agents": agents, "error": None, "error_field": ""}
    status = 200
    try:
        usage = _usage(tenant, period, agent)
    except BadPeriod as error:
        field, context["error"] = _usage_error(error)
        context["error_field"], status = field, 400
        # Links and the form start again from what was valid.
        period = DEFAULT_PERIOD if field == "period" else period
        agent = "" if field == "agent" else agent
    else:
        series = usage["series"]
        context.update(
            usage=usage,
            days=list(reversed(series)),
            requests_chart=_requests_chart(series),
            tokens_chart=_tokens_chart(series),
        )
    context["period_links"] = [
        (choice, days, urlencode({"period": choice, **({"agent": agent} if agent else {})}))
        for choice, days in PERIODS.items()
    ]
    context["form_period"] = period
    context["csv_query"] = urlencode({"period": period, **({"agent": agent} if agent else {})})
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "dashboards/usage_panel.html" if fragment else "dashboards/client_usage.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


@page_requires(Action.VIEW_TENANT_DASHBOARD)
def client_usage_csv(request):
    tenant = request.tenant
    period, agent = _usage_params(request)
    try:
        usage = _usage(tenant, period, agent)
    except BadPeriod as error:
        return HttpResponseBadRequest(_usage_error(error)[1], content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{tenant.slug}-usage-{period}.csv"'
    writer = csv.DictWriter(response, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({**day, "live": "yes" if day["live"] else "no"} for day in usage["series"])
    return response


@page_requires(Action.VIEW_TENANT_DASHBOARD)
def client_incidents(request):
    status_filter = request.GET.get("status", "")
    context = {"statuses": Incident.Status.choices, "status_filter": status_filter, "page": None, "error": None}
    if status_filter and status_filter not in Incident.Status.values:
        context["error"] = "Status: choose open, acknowledged or resolved."
    else:
        incidents = incident_list(tenant=request.tenant, status=status_filter)
        try:
            context["page"] = Paginator(incidents, PER_PAGE).page(request.GET.get("page", 1))
        except (EmptyPage, PageNotAnInteger):
            context["error"] = "There is no such page."
    context["query"] = urlencode({"status": status_filter}) if status_filter else ""
    return render(request, "dashboards/client_incidents.html", context, status=400 if context["error"] else 200)
