from django.contrib.auth import login
from django.shortcuts import redirect, render

from accounts.handoff import handoff_redeem
from accounts.selectors import memberships_of
from dashboards.forms import ChooseTenantForm, HandoffForm
from dashboards.routing import redirect_home, redirect_to_tenant


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect_home(request)


def login_handoff(request):
    """Redeems a one-time ticket made on another host and logs the user in on this one."""
    form = HandoffForm(request.GET)
    if not form.is_valid():
        return redirect("login")
    redeemed = handoff_redeem(raw=form.cleaned_data["ticket"], tenant=request.tenant)
    if redeemed is None:
        return redirect("login")
    user, next_path = redeemed
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(next_path)


def choose_tenant(request):
    if not request.user.is_authenticated:
        return redirect("login")
    form = ChooseTenantForm(request.GET)
    chosen = form.cleaned_data["tenant"] if form.is_valid() else ""
    memberships = memberships_of(request.user)
    for membership in memberships:
        if membership.tenant.slug == chosen:
            return redirect_to_tenant(request, membership.tenant, "/app/dashboard")
    choices = [(membership, f"?tenant={membership.tenant.slug}") for membership in memberships]
    return render(request, "dashboards/choose_tenant.html", {"choices": choices})
