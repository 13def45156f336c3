"""Company panel pages for operations: commands (live), batches, the audit log, provisioning, lifecycle."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.policy import Action, can
from agents.selectors import tenant_agents
from audit.selectors import event_list
from core.tenancy import customer_tenant_or_404
from dashboards.access import page_post_requires, page_requires
from dashboards.forms import (
    BatchForm,
    CommandFilterForm,
    CommandForm,
    DispatchToggleForm,
    EventFilterForm,
    LifecycleForm,
    ProvisionForm,
    SecretRotateForm,
)
from dashboards.messages import error_messages, form_error_add, form_messages
from dashboards.pagination import filtered_page
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
from operations.commands_models import CommandStatus, CommandType
from operations.selectors import batch_commands, batch_get, command_get, command_list
from tenants.backups import backup_tenant
from tenants.lifecycle import credential_rotate, tenant_archive, tenant_secrets, tenant_transition
from tenants.models import ProvisioningRun, Tenant
from tenants.provisioning import provisioning_request_from
from tenants.selectors import (
    backup_list,
    plan_list,
    provisioning_run_get,
    provisioning_run_list,
    tenant_list,
    tenants_with_schema,
)

ACTIVE = (CommandStatus.PENDING, CommandStatus.RUNNING)
CHANNELS = ["whatsapp", "email", "calendar", "crm", "webhook"]


def _found(obj):
    """`obj`, or a 404 when a selector found nothing."""
    if obj is None:
        raise Http404
    return obj


def _commands(*, tenant, type, status):  # `type`: the filter's parameter
    return command_list(tenant=tenant, command_type=type, status=status)


@page_requires(Action.VIEW_COMPANY_PANEL)
def commands_page(request):
    context, status = filtered_page(request, CommandFilterForm(request.GET), _commands)
    page = context["page"]
    context |= {
        "any_active": bool(page) and any(c.status in ACTIVE for c in page),
        "tenants": tenants_with_schema(),
        "types": types_allowed_for(request.user),
        "all_types": CommandType.choices,
        "statuses": CommandStatus.choices,
        "plans": plan_list(),
        "channels": CHANNELS,
    }
    template = "company/commands_table.html" if request.htmx else "company/commands.html"
    return render(request, template, context, status=status)


@page_post_requires(Action.CREATE_BASIC_COMMAND)
def command_create_page(request):
    form = CommandForm(request.POST)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("company-commands")
    try:
        command, _created = command_create(
            tenant=form.cleaned_data["tenant_id"],
            command_type=form.cleaned_data["type"],
            parameters=form.parameters(),
            actor=request.user,
            request=request,
        )
    except ValidationError as error:
        error_messages(request, form, error)
        return redirect(form.cleaned_data["back"] or "company-commands")
    except PermissionDenied as denied:
        error_messages(request, form, denied)
        return redirect("company-commands")
    messages.success(
        request,
        _("%(command)s queued for %(tenant)s.")
        % {"command": command.get_type_display(), "tenant": command.tenant.name},
    )
    return redirect("company-command", command_id=command.pk)


@page_requires(Action.VIEW_COMPANY_PANEL)
def command_page(request, command_id):
    command = _found(command_get(command_id=command_id))
    template = "company/command_status.html" if request.htmx else "company/command.html"
    may_act = command.type in dict(types_allowed_for(request.user))  # cancel and retry need the type's action
    return render(request, template, {"command": command, "active": command.status in ACTIVE, "may_act": may_act})


@page_post_requires(Action.CREATE_BASIC_COMMAND)
def command_action_page(request, command_id, action):
    command = _found(command_get(command_id=command_id))
    try:
        if action == "cancel":
            command_cancel(command=command, actor=request.user, request=request)
            messages.success(request, _("Command cancelled."))
        else:
            command = command_retry(command=command, actor=request.user, request=request)
            messages.success(request, _("Retry queued."))
    except (ValidationError, PermissionDenied) as error:
        error_messages(request, None, error)
    return redirect("company-command", command_id=command.pk)


@page_post_requires(Action.CREATE_BASIC_COMMAND)
def batch_create_page(request):
    form = BatchForm(request.POST)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("company-commands")
    data = form.cleaned_data
    try:
        batch = batch_create(
            command_type=data["type"],
            tenants=batch_tenants(tenant_ids=data["tenant_ids"], status=data["status"], plan=data["plan"]),
            parameters=form.parameters(),
            concurrency=data["concurrency"],
            actor=request.user,
            selection=", ".join(f"{k}={data[k]}" for k in ("status", "plan") if data[k]) or "selected tenants",
            request=request,
        )
    except (ValidationError, PermissionDenied) as error:
        error_messages(request, form, error)
        return redirect("company-commands")
    return redirect("company-batch", batch_id=batch.pk)


@page_requires(Action.VIEW_COMPANY_PANEL)
def batch_page(request, batch_id):
    batch = _found(batch_get(batch_id=batch_id))
    summary = batch_summary(batch)
    context = {
        "batch": batch,
        "commands": batch_commands(batch=batch),
        "summary": summary,
        "active": summary["done"] < summary["total"],
    }
    return render(request, "company/batch_status.html" if request.htmx else "company/batch.html", context)


def _events(*, tenant, actor, action, to, **dates):
    return event_list(tenant=tenant, actor=actor, action=action, since=dates["from"], until=to)


@page_requires(Action.READ_AUDIT_LOG)
def events_page(request):
    context, status = filtered_page(request, EventFilterForm(request.GET), _events, per_page=50)
    context["tenants"] = tenant_list()
    return render(request, "company/events.html", context, status=status)


def _provision(request, form) -> ProvisioningRun | None:
    """The run a valid form requests, or None with the service's refusal on the form."""
    data = form.cleaned_data
    try:
        return provisioning_request_from(data, requested_by=request.user, request=request)
    except ValidationError as error:
        form_error_add(form, error)
        return None


@page_requires(Action.MANAGE_TENANT_LIFECYCLE)
def provision_page(request):
    form = ProvisionForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        run = _provision(request, form)
        if run is not None:
            return redirect("company-provisioning-run", run_id=run.pk)
    context = {"form": form, "plans": plan_list(), "slas": Tenant.Sla.choices, "runs": provisioning_run_list()}
    return render(request, "company/provision.html", context, status=400 if form.errors else 200)


@page_requires(Action.MANAGE_TENANT_LIFECYCLE)
def provisioning_run_page(request, run_id):
    run = _found(provisioning_run_get(run_id=run_id))
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
        "backups": backup_list(tenant=tenant),
        "integrations": tenant_integrations(tenant=tenant) if tenant.has_schema else [],
        "agents": tenant_agents(tenant=tenant) if tenant.has_schema else [],
        "types": types_allowed_for(request.user),
        "may_lifecycle": can(request.user, Action.MANAGE_TENANT_LIFECYCLE),
        "may_rotate": can(request.user, Action.ROTATE_CREDENTIALS),
        "dispatch": dispatch_state(tenant) if tenant.has_schema else None,
    }
    return render(request, "company/tenant_operations.html", context)


def _lifecycle(request, tenant: Tenant, action: str, reason: str) -> str:
    """Do `action` on `tenant`; the success message."""
    if action in ("suspend", "resume"):
        tenant_transition(tenant=tenant, to=action, actor=request.user, reason=reason, request=request)
    elif action == "archive":
        tenant_archive(tenant=tenant, actor=request.user, request=request)
    elif action == "backup":
        backup = backup_tenant(tenant=tenant, actor=request.user, request=request)
        return _("Backup taken and verified (%(size)s bytes).") % {"size": f"{backup.size_bytes:,}"}
    else:
        raise ValidationError({"action": _("Unknown action.")})
    return _("%(tenant)s: %(action)s done.") % {"tenant": tenant.name, "action": action}


@page_post_requires(Action.MANAGE_TENANT_LIFECYCLE)
def tenant_lifecycle_action(request, tenant_id: int, action: str):
    tenant = customer_tenant_or_404(tenant_id)
    form = LifecycleForm(request.POST)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("company-tenant-operations", tenant_id=tenant.pk)
    try:
        messages.success(request, _lifecycle(request, tenant, action, form.cleaned_data["reason"]))
    except ValidationError as error:
        error_messages(request, form, error)
    return redirect("company-tenant-operations", tenant_id=tenant.pk)


@page_post_requires(Action.ROTATE_CREDENTIALS)
def tenant_secret_rotate(request, tenant_id: int):
    tenant = customer_tenant_or_404(tenant_id)
    form = SecretRotateForm(request.POST)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("company-tenant-operations", tenant_id=tenant.pk)
    try:
        meta = credential_rotate(
            tenant=tenant,
            secret_name=form.cleaned_data["name"],
            actor_email=request.user.email,
            actor=request.user,
            request=request,
        )
    except ValidationError as error:
        error_messages(request, form, error)
    else:
        messages.success(
            request, _("%(name)s rotated to version %(version)s.") % {"name": meta.name, "version": meta.version}
        )
    return redirect("company-tenant-operations", tenant_id=tenant.pk)


@page_post_requires(Action.ENABLE_DISPATCH)
def tenant_dispatch_toggle(request, tenant_id: int):
    tenant = customer_tenant_or_404(tenant_id)
    form = DispatchToggleForm(request.POST)
    if not form.is_valid():
        form_messages(request, form)
        return redirect("company-tenant-operations", tenant_id=tenant.pk)
    enabled = form.cleaned_data["enabled"]
    dispatch_flag_set(tenant=tenant, enabled=enabled, actor=request.user, request=request)
    done = _("Dispatch enabled for %(tenant)s.") if enabled else _("Dispatch disabled for %(tenant)s.")
    messages.success(request, done % {"tenant": tenant.name})
    return redirect("company-tenant-operations", tenant_id=tenant.pk)
