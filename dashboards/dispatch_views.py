"""The client dashboard's Dispatch page: leads, CSV import, dry runs and the dispatch log."""

from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.policy import Action
from dashboards.access import page_post_requires, page_requires
from dashboards.charts import counts_chart
from dashboards.forms import DispatchRunForm, LeadsImportForm
from dashboards.messages import error_messages, form_messages
from dashboards.pagination import paginate
from dispatch.imports import leads_import_upload
from dispatch.selectors import dispatch_enabled_for, dispatch_run_decisions, dispatch_run_list, lead_list
from dispatch.services import dispatch_run_create

IMPORT_PROBLEMS_SHOWN = 20  # per field: a file can have thousands of bad lines


@page_requires(Action.VIEW_TENANT_DASHBOARD)
def dispatch_page(request):
    leads = paginate(request, lead_list())
    runs = dispatch_run_list()
    latest = runs[0] if runs else None
    decisions = dispatch_run_decisions(run=latest) if latest else []
    context = {
        "leads": leads["page"],
        "runs": runs,
        "latest": latest,
        "decisions": decisions,
        "running": any(run.status in ("pending", "running") for run in runs),
        "enabled": dispatch_enabled_for(request.tenant),
        "by_channel": counts_chart(Counter(d.channel for d in decisions), _("decisions")),
        "by_reason": counts_chart(Counter(d.reason_code for d in decisions), _("decisions")),
    }
    template = "dashboards/dispatch_runs.html" if request.htmx else "dashboards/dispatch.html"
    return render(request, template, context, status=400 if leads["page_error"] else 200)


@page_post_requires(Action.MANAGE_LEADS)
def dispatch_import(request):
    form = LeadsImportForm(request.POST, request.FILES)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("client-dispatch")
    try:
        count = leads_import_upload(upload=form.cleaned_data["file"])
    except ValidationError as error:
        error_messages(request, form, error, limit=IMPORT_PROBLEMS_SHOWN, aliases={"rows": "file"})
        messages.error(request, _("Nothing was imported: fix the lines above and upload the file again."))
    else:
        messages.success(request, _("%(count)s leads imported.") % {"count": count})
    return redirect("client-dispatch")


@page_post_requires(Action.MANAGE_LEADS)
def dispatch_dry_run(request):
    form = DispatchRunForm(request.POST)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("client-dispatch")
    try:
        dispatch_run_create(
            tenant=request.tenant,
            actor=request.user,
            dry_run=not form.cleaned_data["real"],
            batch_size=form.cleaned_data["batch_size"],
            request=request,
        )
    except ValidationError as error:
        error_messages(request, form, error)
    else:
        messages.success(request, _("Run started: decisions appear below as it goes."))
    return redirect("client-dispatch")
