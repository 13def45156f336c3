"""Reads for dispatch, starting with the one rule on whether a tenant may send at all."""

from django.conf import settings
from django.db.models import QuerySet

from dispatch.models import DispatchDecision, DispatchRun, Lead


def dispatch_refusal(tenant) -> str | None:
    """Why `tenant` may not send messages now, or None when it may.

    The one rule, checked when a run is created, when it starts, and again when each message is
    delivered: the DISPATCH_ENABLED environment switch AND the tenant's own flag (set by an
    INTERNAL_ADMIN) AND the tenant is active (not suspended, archived or still provisioning).
    The text is stored on held messages and runs, so it never names a lead.
    """
    if tenant.status != "active":
        return f"tenant is {tenant.status}"
    if not settings.DISPATCH_ENABLED:
        return "dispatch is off for this environment (DISPATCH_ENABLED)"
    if not tenant.settings.get("dispatch_enabled"):
        return "dispatch is off for this tenant"
    return None


def dispatch_enabled_for(tenant) -> bool:
    """True when `tenant` may really send (see dispatch_refusal)."""
    return dispatch_refusal(tenant) is None


def lead_list(*, status: str = "", search: str = "") -> QuerySet[Lead]:
    """The current tenant's leads (call inside its schema), newest first; `status` and a name `search` filter."""
    leads = Lead.objects.order_by("-created_at", "-pk")
    if status:
        leads = leads.filter(status=status)
    if search:
        leads = leads.filter(name__icontains=search)
    return leads


def dispatch_run_list(*, limit: int = 10) -> list[DispatchRun]:
    """The current tenant's latest runs (call inside its schema), newest first."""
    return list(DispatchRun.objects.all()[:limit])


def dispatch_run_decisions(*, run: DispatchRun, limit: int = 200) -> list[DispatchDecision]:
    """A run's decisions with their leads (call inside its schema)."""
    return list(DispatchDecision.objects.filter(run=run).select_related("lead")[:limit])
