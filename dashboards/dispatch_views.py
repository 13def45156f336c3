"""The client dashboard's Dispatch page: leads, CSV import, dry runs and the dispatch log."""

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.shortcuts import redirect, render

from accounts.policy import Action
from dashboards.access import page_post_requires, page_requires
from dispatch.imports import leads_import
from dispatch.models import DispatchDecision, DispatchRun, Lead
from dispatch.services import dispatch_enabled_for, dispatch_run_create


def _chart(title_counts: Counter) -> dict:
    labels = sorted(title_counts)
    return {
        "type": "bar",
        "labels": labels,
        "datasets": [{"label": "decisions", "data": [title_counts[label] for label in labels]}],
    }


@page_requires(Action.VIEW_TENANT_DASHBOARD)
def dispatch_page(request):
    try:
        page = Paginator(Lead.objects.all(), 25).page(request.GET.get("page", 1))
    except (EmptyPage, PageNotAnInteger):
        page, status = None, 400
    else:
        status = 200
    runs = list(DispatchRun.objects.all()[:10])
    latest = runs[0] if runs else None
    decisions = list(DispatchDecision.objects.filter(run=latest).select_related("lead")[:200]) if latest else []
    context = {
        "leads": page,
        "runs": runs,
        "latest": latest,
        "decisions": decisions,
        "running": any(run.status in ("pending", "running") for run in runs),
        "enabled": dispatch_enabled_for(request.tenant),
        "by_channel": _chart(Counter(d.channel for d in decisions)),
        "by_reason": _chart(Counter(d.reason_code for d in decisions)),
    }
    template = "dashboards/dispatch_runs.html" if request.htmx else "dashboards/dispatch.html"
    return render(request, template, context, status=status)


@page_post_requires(Action.MANAGE_LEADS)
def dispatch_import(request):
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "file: choose a CSV file.")
        return redirect("client-dispatch")
    try:
        count = leads_import(content=upload.read())
    except ValidationError as error:
        for field, problems in error.message_dict.items():
            for problem in problems[:20]:
                messages.error(request, f"{field}: {problem}" if field != "rows" else problem)
        messages.error(request, "Nothing was imported: fix the lines above and upload the file again.")
    else:
        messages.success(request, f"{count} leads imported.")
    return redirect("client-dispatch")


@page_post_requires(Action.MANAGE_LEADS)
def dispatch_dry_run(request):
    try:
        dispatch_run_create(
            tenant=request.tenant,
            actor=request.user,
            dry_run=request.POST.get("real") != "1",
            batch_size=int(request.POST.get("batch_size", "100") or 100),
            request=request,
        )
    except (ValidationError, ValueError) as error:
        messages.error(
            request,
            "; ".join(sum(error.message_dict.values(), []))
            if isinstance(error, ValidationError)
            else "batch_size: a whole number.",
        )
    else:
        messages.success(request, "Run started: decisions appear below as it goes.")
    return redirect("client-dispatch")
