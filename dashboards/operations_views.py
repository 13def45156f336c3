"""Company panel pages for operations: commands (live), batches, the audit log, provisioning, lifecycle."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from accounts.policy import Action, can
from agents.selectors import tenant_agents
from audit.selectors import event_list
from core.api.params import whole_number
from core.tenancy import customer_tenant_or_404
from dashboards.access import page_post_requires, page_requires
from dispatch.api import dispatch_state
from dispatch.services import dispatch_flag_set
from integrations.selectors import tenant_integrations
from operations.commands import (
    batch_create,
    batch_summary,
    batch_tenants,
    command_cancel,
    command_create,
    command_retry,
    types_allowed_for,
)
from operations.commands_models import Command, CommandBatch, CommandStatus, CommandType
from operations.selectors import command_list
from tenants.backups import backup_tenant
from tenants.lifecycle import credential_rotate, tenant_archive, tenant_secrets, tenant_transition
from tenants.models import Backup, Plan, ProvisioningRun, Tenant
from tenants.provisioning import provisioning_request

ACTIVE = (CommandStatus.PENDING, CommandStatus.RUNNING)


def _page(request, items, per_page=25):
    try:
        return Paginator(items, per_page).page(request.GET.get("page", 1)), None
    except (EmptyPage, PageNotAnInteger):
        return None, "There is no such page."


def _errors(request, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        for problem in problems:
            messages.error(request, f"{field}: {problem}" if field != "__all__" else problem)


def _tenant_filter(request, value: str):
    """The customer tenant a `?tenant=` filter names; a form error (and no filter) for anything but an id."""
    if not value:
        return None
    tenant_id = whole_number(value)
    if tenant_id is None:
        messages.error(request, "tenant: choose a tenant from the list.")
        return None
    return Tenant.objects.customers().filter(pk=tenant_id).first()


def _command_parameters(post) -> dict:
    parameters = {}
    for name in ("integration_id", "agent_id", "reason", "channel", "since"):
        value = post.get(name, "").strip()
        if value:
            parameters[name] = value
    return parameters


@page_requires(Action.VIEW_COMPANY_PANEL)
def commands_page(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("tenant", "type", "status")}
    tenant = _tenant_filter(request, filters["tenant"])
    commands = command_list(
        tenant=tenant,
        command_type=filters["type"] if filters["type"] in CommandType.values else "",
        status=filters["status"] if filters["status"] in CommandStatus.values else "",
    )
    page, error = _page(request, commands)
    context = {
        "page": page,
        "page_error": error,
        "filters": filters,
        "any_active": bool(page) and any(c.status in ACTIVE for c in page),
        "tenants": Tenant.objects.with_schema().order_by("name"),
        "types": types_allowed_for(request.user),
        "all_types": CommandType.choices,
        "statuses": CommandStatus.choices,
        "plans": Plan.objects.all(),
        "channels": ["whatsapp", "email", "calendar", "crm", "webhook"],
    }
    template = "company/commands_table.html" if request.htmx else "company/commands.html"
    return render(request, template, context, status=400 if error else 200)


@page_post_requires(Action.CREATE_BASIC_COMMAND)
def command_create_page(request):
    tenant_id = whole_number(request.POST.get("tenant_id", ""))
    tenant = Tenant.objects.customers().filter(pk=tenant_id).first() if tenant_id is not None else None
    if tenant is None:
        messages.error(request, "tenant: choose a tenant.")
        return redirect("company-commands")
    try:
        command, _ = command_create(
            tenant=tenant,
            command_type=request.POST.get("type", ""),
            parameters=_command_parameters(request.POST),
            actor=request.user,
            request=request,
        )
    except ValidationError as error:
        _errors(request, error)
        back = request.POST.get("back", "")  # a path on this site only
        if url_has_allowed_host_and_scheme(back, allowed_hosts=set(), require_https=False):
            return redirect(back)
        return redirect("company-commands")
    except PermissionDenied as denied:
        messages.error(request, str(denied))
        return redirect("company-commands")
    messages.success(request, f"{command.get_type_display()} queued for {tenant.name}.")
    return redirect("company-command", command_id=command.pk)


@page_requires(Action.VIEW_COMPANY_PANEL)
def command_page(request, command_id):
    command = get_object_or_404(Command.objects.select_related("tenant", "created_by", "retry_of"), pk=command_id)
    template = "company/command_status.html" if request.htmx else "company/command.html"
    may_act = command.type in dict(types_allowed_for(request.user))  # cancel and retry need the type's action
    return render(request, template, {"command": command, "active": command.status in ACTIVE, "may_act": may_act})


@page_post_requires(Action.CREATE_BASIC_COMMAND)
def command_action_page(request, command_id, action):
    command = get_object_or_404(Command, pk=command_id)
    try:
        if action == "cancel":
            command_cancel(command=command, actor=request.user, request=request)
            messages.success(request, "Command cancelled.")
        else:
            command = command_retry(command=command, actor=request.user, request=request)
            messages.success(request, "Retry queued.")
    except ValidationError as error:
        _errors(request, error)
    except PermissionDenied as denied:
        messages.error(request, str(denied))
    return redirect("company-command", command_id=command.pk)


@page_post_requires(Action.CREATE_BASIC_COMMAND)
def batch_create_page(request):
    status, plan = request.POST.get("status", ""), request.POST.get("plan", "")
    chosen = [whole_number(pk) for pk in request.POST.getlist("tenant_ids")]
    if None in chosen:
        messages.error(request, "tenant_ids: choose tenants from the list.")
        return redirect("company-commands")
    concurrency = whole_number(request.POST.get("concurrency", "5"))
    if concurrency is None:
        messages.error(request, "concurrency: a whole number.")
        return redirect("company-commands")
    try:
        batch = batch_create(
            command_type=request.POST.get("type", ""),
            tenants=batch_tenants(tenant_ids=chosen, status=status, plan=plan),
            parameters=_command_parameters(request.POST),
            concurrency=concurrency,
            actor=request.user,
            selection=", ".join(f"{k}={v}" for k, v in (("status", status), ("plan", plan)) if v) or "selected tenants",
            request=request,
        )
    except ValidationError as error:
        _errors(request, error)
        return redirect("company-commands")
    except PermissionDenied as denied:
        messages.error(request, str(denied))
        return redirect("company-commands")
    return redirect("company-batch", batch_id=batch.pk)


@page_requires(Action.VIEW_COMPANY_PANEL)
def batch_page(request, batch_id):
    batch = get_object_or_404(CommandBatch, pk=batch_id)
    commands = batch.commands.select_related("tenant").order_by("tenant__name")
    summary = batch_summary(batch)
    context = {"batch": batch, "commands": commands, "summary": summary, "active": summary["done"] < summary["total"]}
    return render(request, "company/batch_status.html" if request.htmx else "company/batch.html", context)


@page_requires(Action.READ_AUDIT_LOG)
def events_page(request):
    filters = {key: request.GET.get(key, "").strip() for key in ("tenant", "actor", "action", "from", "to")}

    dates = {}
    for key in ("from", "to"):
        try:
            dates[key] = date.fromisoformat(filters[key]) if filters[key] else None
        except ValueError:
            messages.error(request, f"{key}: use YYYY-MM-DD.")
            dates[key] = None
    tenant = _tenant_filter(request, filters["tenant"])
    events = event_list(
        tenant=tenant, actor=filters["actor"], action=filters["action"], since=dates["from"], until=dates["to"]
    )
    page, error = _page(request, events, per_page=50)
    query = urlencode({key: value for key, value in filters.items() if value})
    context = {
        "page": page,
        "page_error": error,
        "filters": filters,
        "tenants": Tenant.objects.customers().order_by("name"),
        "query": query,
    }
    return render(request, "company/events.html", context, status=400 if error else 200)


@page_requires(Action.MANAGE_TENANT_LIFECYCLE)
def provision_page(request):
    form = {
        key: request.POST.get(key, "").strip()
        for key in ("slug", "name", "plan", "owner_name", "owner_email", "owner_squad", "sla", "contacts")
    }
    errors = {}
    if request.method == "POST":
        try:
            run = provisioning_request(
                slug=form["slug"],
                name=form["name"],
                plan_code=form["plan"],
                owner_name=form["owner_name"],
                owner_email=form["owner_email"],
                owner_squad=form["owner_squad"],
                sla=form["sla"] or "standard",
                contacts=[line for line in form["contacts"].splitlines() if line.strip()],
                requested_by=request.user,
                request=request,
            )
        except ValidationError as error:
            errors = error.message_dict
        else:
            return redirect("company-provisioning-run", run_id=run.pk)
    runs = ProvisioningRun.objects.select_related("plan", "requested_by")[:20]
    context = {"form": form, "errors": errors, "plans": Plan.objects.all(), "slas": Tenant.Sla.choices, "runs": runs}
    return render(request, "company/provision.html", context, status=400 if errors else 200)


@page_requires(Action.MANAGE_TENANT_LIFECYCLE)
def provisioning_run_page(request, run_id):
    run = get_object_or_404(ProvisioningRun.objects.select_related("plan", "requested_by", "tenant"), pk=run_id)
    active = run.status in (ProvisioningRun.Status.PENDING, ProvisioningRun.Status.RUNNING)
    return render(
        request,
        "company/provisioning_status.html" if request.htmx else "company/provisioning_run.html",
        {"run": run, "active": active},
    )


@page_requires(Action.VIEW_COMPANY_PANEL)
def tenant_operations_page(request, tenant_id: int):
    """A tenant's commands, credentials and backups, with the actions the user may take."""
    tenant = customer_tenant_or_404(tenant_id)
    context = {
        "tenant": tenant,
        "commands": command_list(tenant=tenant)[:15],
        "secrets": tenant_secrets(tenant),
        "backups": Backup.objects.filter(tenant_slug=tenant.slug)[:10],
        "integrations": tenant_integrations(tenant=tenant) if tenant.has_schema else [],
        "agents": tenant_agents(tenant=tenant) if tenant.has_schema else [],
        "types": types_allowed_for(request.user),
        "may_lifecycle": can(request.user, Action.MANAGE_TENANT_LIFECYCLE),
        "may_rotate": can(request.user, Action.ROTATE_CREDENTIALS),
        "dispatch": dispatch_state(tenant) if tenant.has_schema else None,
    }
    return render(request, "company/tenant_operations.html", context)


@page_post_requires(Action.MANAGE_TENANT_LIFECYCLE)
def tenant_lifecycle_action(request, tenant_id: int, action: str):
    tenant = customer_tenant_or_404(tenant_id)
    try:
        if action in ("suspend", "resume"):
            tenant_transition(
                tenant=tenant, to=action, actor=request.user, reason=request.POST.get("reason", ""), request=request
            )
        elif action == "archive":
            tenant_archive(tenant=tenant, actor=request.user, request=request)
        elif action == "backup":
            backup = backup_tenant(tenant=tenant, actor=request.user, request=request)
            messages.success(request, f"Backup taken and verified ({backup.size_bytes:,} bytes).")
        else:
            raise ValidationError({"action": "Unknown action."})
    except ValidationError as error:
        _errors(request, error)
    else:
        if action != "backup":
            messages.success(request, f"{tenant.name}: {action} done.")
    return redirect("company-tenant-operations", tenant_id=tenant.pk)


@page_post_requires(Action.ROTATE_CREDENTIALS)
def tenant_secret_rotate(request, tenant_id: int):
    tenant = customer_tenant_or_404(tenant_id)
    try:
        meta = credential_rotate(
            tenant=tenant,
            secret_name=request.POST.get("name", ""),
            actor_email=request.user.email,
            actor=request.user,
            request=request,
        )
        messages.success(request, f"{meta.name} rotated to version {meta.version}.")
    except ValidationError as error:
        _errors(request, error)
    return redirect("company-tenant-operations", tenant_id=tenant.pk)


@page_post_requires(Action.ENABLE_DISPATCH)
def tenant_dispatch_toggle(request, tenant_id: int):
    tenant = customer_tenant_or_404(tenant_id)
    enabled = request.POST.get("enabled") == "1"
    dispatch_flag_set(tenant=tenant, enabled=enabled, actor=request.user, request=request)
    messages.success(request, f"Dispatch {'enabled' if enabled else 'disabled'} for {tenant.name}.")
    return redirect("company-tenant-operations", tenant_id=tenant.pk)
