from django.contrib.auth import login
from django.shortcuts import redirect, render

from accounts.handoff import handoff_redeem
from accounts.policy import Action
from accounts.selectors import memberships_of
from dashboards.access import page_requires
from dashboards.routing import redirect_home, redirect_to_tenant
from tenants.models import Plan, Tenant
from tenants.selectors import tenant_list


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect_home(request)


def login_handoff(request):
    """Redeems a one-time ticket made on another host and logs the user in on this one."""
    redeemed = handoff_redeem(raw=request.GET.get("ticket", ""), tenant=request.tenant)
    if redeemed is None:
        return redirect("login")
    user, next_path = redeemed
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(next_path)


def choose_tenant(request):
    if not request.user.is_authenticated:
        return redirect("login")
    chosen = request.GET.get("tenant")
    memberships = memberships_of(request.user)
    for membership in memberships:
        if membership.tenant.slug == chosen:
            return redirect_to_tenant(request, membership.tenant, "/app/dashboard")
    choices = [(membership, f"?tenant={membership.tenant.slug}") for membership in memberships]
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
