from django.shortcuts import redirect, render

from accounts.policy import Action
from accounts.selectors import home_url_for, memberships_of
from dashboards.access import page_requires
from tenants.models import Plan, Tenant
from tenants.selectors import tenant_list
from tenants.services import tenant_url


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect(home_url_for(request.user))


def choose_tenant(request):
    if not request.user.is_authenticated:
        return redirect("login")
    choices = [(membership, tenant_url(membership.tenant, "/app/dashboard")) for membership in memberships_of(request.user)]
    return render(request, "dashboards/choose_tenant.html", {"choices": choices})


@page_requires(Action.VIEW_TENANT_DASHBOARD)
def client_dashboard(request):
    return render(request, "dashboards/client_overview.html", {"tenant": request.tenant, "plan": request.tenant.plan})


@page_requires(Action.VIEW_COMPANY_PANEL)
def company_overview(request):
    tenants = tenant_list()
    context = {
        "tenant_count": tenants.count(),
        "active_count": tenants.filter(status=Tenant.Status.ACTIVE).count(),
        "suspended_count": tenants.filter(status=Tenant.Status.SUSPENDED).count(),
    }
    return render(request, "company/overview.html", context)


@page_requires(Action.VIEW_COMPANY_PANEL)
def company_tenants(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("search", "status", "plan")}
    context = {
        "tenants": tenant_list(**filters),
        "filters": filters,
        "statuses": Tenant.Status.choices,
        "plans": Plan.objects.all(),
    }
    return render(request, "company/tenants.html", context)
