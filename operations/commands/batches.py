"""Batches: one command type run for many tenants, a few at a time."""

import structlog
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import event_record
from operations.commands.parameters import parameters_validate
from operations.commands.services import command_create, command_enqueue, type_permission_require
from operations.commands_models import FINISHED, CommandBatch, CommandStatus, CommandType
from tenants.models import Tenant

logger = structlog.get_logger(__name__)


def batch_tenants(*, tenant_ids: list[int] | None = None, status: str = "", plan: str = "") -> list:
    """The tenants a batch runs on, by name.

    An explicit selection must be runnable as a whole: a provisioning or archived tenant in it is a
    ValidationError naming its slug. A filter takes only runnable tenants: the active ones, or the
    suspended ones when it asks for that status.
    """

    tenants = Tenant.objects.customers().select_related("plan")
    if status:
        tenants = tenants.filter(status=status)
    if plan:
        tenants = tenants.filter(plan__code=plan)
    if tenant_ids:
        tenants = list(tenants.filter(pk__in=tenant_ids).order_by("name"))
        stopped = [tenant for tenant in tenants if not tenant.has_schema]
        if stopped:
            raise ValidationError(
                {
                    "tenant_ids": [
                        f"{tenant.slug} is {tenant.status}; commands run on active or suspended tenants only."
                        for tenant in stopped
                    ]
                }
            )
        return tenants
    return list(tenants.filter(status__in=Tenant.SCHEMA_STATUSES if status else ["active"]).order_by("name"))


def batch_create(
    *, command_type: str, tenants, parameters: dict | None, concurrency: int, actor, selection: str = "", request=None
) -> CommandBatch:
    """One command per tenant, all validated first (nothing is created if one is invalid), `concurrency` running at once."""
    if command_type not in CommandType.values:
        raise ValidationError({"type": f"One of {', '.join(CommandType.values)}."})
    type_permission_require(actor, command_type)
    tenants = list(tenants)
    if not tenants:
        raise ValidationError({"tenants": "Select at least one tenant."})
    if not 1 <= concurrency <= 50:
        raise ValidationError({"concurrency": "Between 1 and 50."})
    for tenant in tenants:
        try:
            parameters_validate(tenant=tenant, command_type=command_type, parameters=parameters or {})
        except ValidationError as error:
            raise ValidationError(
                {f"{tenant.slug}.{field}": problems for field, problems in error.message_dict.items()}
            ) from None
    with transaction.atomic():
        batch = CommandBatch.objects.create(
            type=command_type,
            parameters=parameters or {},
            concurrency=concurrency,
            selection=selection[:300],
            created_by=actor,
        )
        commands = [
            command_create(
                tenant=tenant,
                command_type=command_type,
                parameters=parameters,
                actor=actor,
                request=request,
                batch=batch,
                enqueue=False,
            )[0]
            for tenant in tenants
        ]
        for command in commands[:concurrency]:
            command_enqueue(command)
        event_record(
            action="command_batch.created",
            actor=actor,
            target_type="command_batch",
            target_id=batch.pk,
            after={"type": command_type, "tenants": len(commands), "concurrency": concurrency},
            request=request,
        )
    return batch


def batch_summary(batch: CommandBatch) -> dict:
    counts = {status: 0 for status in CommandStatus.values}
    for status in batch.commands.values_list("status", flat=True):
        counts[status] += 1
    total = sum(counts.values())
    done = sum(counts[s] for s in FINISHED)
    return {"total": total, "done": done, "percent": round(done * 100 / total) if total else 100, "counts": counts}
