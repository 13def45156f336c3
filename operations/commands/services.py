"""Operational commands: create (validated, idempotent, audited), run, cancel, retry, reap, batch.

State machine: PENDING → RUNNING → SUCCESS | ERROR, PENDING → CANCELLED. Every move is a
conditional UPDATE on the current status, so a second delivery or a race changes nothing.
"""

import hashlib
import json
from datetime import timedelta

import structlog
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.policy import Action, can
from audit.services import event_record
from core.cache import bump as cache_bump
from core.cache import tenant_scope
from core.locks import advisory_xact_lock
from core.requeue import requeue_cutoff
from operations.commands.parameters import parameters_validate
from operations.commands_models import Command, CommandBatch, CommandStatus, CommandType
from operations.handlers import HANDLERS, CommandFailed
from webhooks.services import webhook_emit

logger = structlog.get_logger(__name__)


IDEMPOTENCY_WINDOW = timedelta(hours=24)


def required_action(command_type: str) -> Action:
    return Action.CREATE_RESET_TOKEN_COMMAND if command_type == CommandType.RESET_TOKEN else Action.CREATE_BASIC_COMMAND


def types_allowed_for(user) -> list[tuple[str, str]]:
    return [(value, label) for value, label in CommandType.choices if can(user, required_action(value))]


class IdempotencyKeyReused(ValidationError):
    """The idempotency key already names a different request (another tenant, type or parameters)."""

    http_status = 409

    def __init__(self):
        super().__init__({"idempotency_key": "This key was already used for a different command in the last 24 hours."})


def request_fingerprint(*, tenant_id: int, command_type: str, parameters: dict) -> str:
    payload = json.dumps({"tenant": tenant_id, "type": command_type, "parameters": parameters}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _send(command_id) -> bool:
    """Publish the run message; if the broker is down, log it and leave the command PENDING for the reaper."""
    from operations.tasks import run_command  # noqa: PLC0415  (cycle: the tasks call this module)

    try:
        run_command.delay(str(command_id))
    except Exception as exc:  # the broker's errors vary by transport; none may fail the request
        logger.warning("command_enqueue_failed", command=str(command_id), error=type(exc).__name__)
        return False
    return True


def command_enqueue(command: Command) -> None:
    Command.objects.filter(pk=command.pk).update(queued_at=timezone.now())
    transaction.on_commit(lambda: _send(command.pk))


def command_create(
    *,
    tenant,
    command_type: str,
    parameters: dict | None = None,
    actor,
    idempotency_key: str = "",
    request=None,
    batch: CommandBatch | None = None,
    enqueue: bool = True,
    retry_of: Command | None = None,
) -> tuple[Command, bool]:
    """Validate, create and enqueue a command; returns (command, created). Same key within 24 h → the existing one."""
    if command_type not in CommandType.values:
        raise ValidationError({"type": f"One of {', '.join(CommandType.values)}."})
    if not tenant.has_schema:
        raise ValidationError({"tenant": "Commands run on active or suspended tenants only."})
    type_permission_require(actor, command_type)
    cleaned = parameters_validate(tenant=tenant, command_type=command_type, parameters=parameters or {})
    idempotency_key = (idempotency_key or "").strip()[:100]
    fingerprint = request_fingerprint(tenant_id=tenant.pk, command_type=command_type, parameters=cleaned)
    with transaction.atomic():
        if idempotency_key:
            advisory_xact_lock(f"command:{getattr(actor, 'pk', None)}:{idempotency_key}")
            existing = Command.objects.filter(
                created_by=actor, idempotency_key=idempotency_key, created_at__gte=timezone.now() - IDEMPOTENCY_WINDOW
            ).first()
            if existing is not None:
                stored = existing.request_fingerprint or request_fingerprint(
                    tenant_id=existing.tenant_id, command_type=existing.type, parameters=existing.parameters
                )
                if stored != fingerprint:
                    raise IdempotencyKeyReused()
                return existing, False
        command = Command.objects.create(
            tenant=tenant,
            type=command_type,
            parameters=cleaned,
            created_by=actor,
            idempotency_key=idempotency_key,
            request_fingerprint=fingerprint,
            batch=batch,
            retry_of=retry_of,
        )
        event_record(
            action="command.created",
            actor=actor,
            tenant=tenant,
            target_type="command",
            target_id=command.pk,
            after={
                "type": command_type,
                "parameters": cleaned,
                **({"retry_of": str(retry_of.pk)} if retry_of is not None else {}),
            },
            request=request,
        )
        if enqueue:
            command_enqueue(command)
    return command, True


def type_permission_require(actor, command_type: str) -> None:
    """Creating, cancelling and retrying a command all need the policy's action for its type."""
    if actor is not None and not can(actor, required_action(command_type)):
        raise PermissionDenied(f"Your role may not run {command_type}.")


def command_cancel(*, command: Command, actor, request=None) -> Command:
    type_permission_require(actor, command.type)
    with transaction.atomic():
        updated = Command.objects.filter(pk=command.pk, status=CommandStatus.PENDING).update(
            status=CommandStatus.CANCELLED, finished_at=timezone.now(), progress_message="Cancelled"
        )
        command.refresh_from_db()
        if not updated:
            raise ValidationError({"status": f"Only a pending command can be cancelled; this one is {command.status}."})
        event_record(
            action="command.cancelled",
            actor=actor,
            tenant=command.tenant,
            target_type="command",
            target_id=command.pk,
            request=request,
        )
    if command.queued_at is not None:  # it held one of the batch's slots; a never-queued one did not
        _batch_continue(command)
    return command


def command_retry(*, command: Command, actor, request=None) -> Command:
    type_permission_require(actor, command.type)
    command.refresh_from_db()
    if command.status not in (CommandStatus.ERROR, CommandStatus.CANCELLED):
        raise ValidationError(
            {"status": f"Only a failed or cancelled command can be retried; this one is {command.status}."}
        )
    retry, _ = command_create(
        tenant=command.tenant,
        command_type=command.type,
        parameters=command.parameters,
        actor=actor,
        request=request,
        retry_of=command,
    )
    return retry


def command_progress(command_id, percent: int, message: str) -> None:
    Command.objects.filter(pk=command_id, status=CommandStatus.RUNNING).update(
        progress_percent=max(0, min(100, percent)), progress_message=message[:300]
    )


def command_start(command_id) -> Command | None:
    """PENDING → RUNNING, atomically; None when it was not pending (a duplicate delivery, cancelled, done)."""
    updated = Command.objects.filter(pk=command_id, status=CommandStatus.PENDING).update(
        status=CommandStatus.RUNNING,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
        progress_percent=0,
        progress_message="Started",
    )
    if not updated:
        return None
    return Command.objects.select_related("tenant", "created_by").get(pk=command_id)


def command_finish(*, command: Command, output: dict | None = None, error: str = "") -> bool:
    """RUNNING → SUCCESS or ERROR; False if it was no longer running (e.g. reaped)."""
    status = CommandStatus.ERROR if error else CommandStatus.SUCCESS
    with transaction.atomic():
        updated = Command.objects.filter(pk=command.pk, status=CommandStatus.RUNNING).update(
            status=status,
            output=output,
            error_message=error,
            finished_at=timezone.now(),
            progress_percent=100,
            progress_message="Failed" if error else "Done",
        )
        if updated:
            event_record(
                action="command.finished",
                tenant=command.tenant,
                target_type="command",
                target_id=command.pk,
                after={"status": status, "error": error[:500]},
            )
            webhook_emit(
                tenant=command.tenant,
                event_type="command.finished",
                data={"command_id": str(command.pk), "type": command.type, "status": status, "error": error[:500]},
            )
    if updated:
        _batch_continue(command)
    return bool(updated)


def command_run(command_id) -> Command | None:
    """Run one command to its end inside the tenant's schema (the task calls this)."""

    command = command_start(command_id)
    if command is None:
        logger.info("command_not_pending", command=str(command_id))
        return None
    try:
        with tenant_context(command.tenant):
            output = HANDLERS[command.type](
                command, lambda percent, message: command_progress(command.pk, percent, message)
            )
    except CommandFailed as failure:
        command_finish(command=command, error=str(failure))
    except Exception as exc:
        logger.exception("command_crashed", command=str(command.pk), type=command.type)
        command_finish(command=command, error=f"Unexpected error ({type(exc).__name__}); the details are in the logs.")
    else:
        command_finish(command=command, output=output)
    # Handlers change what the tenant's cached reads show (agents, integrations and their health).
    cache_bump(tenant_scope(command.tenant))
    command.refresh_from_db()
    return command


def commands_reap(*, now=None) -> int:
    """RUNNING past its type's timeout → ERROR "worker lost"; each one audited."""
    now = now or timezone.now()
    reaped = 0
    for command_type, seconds in settings.COMMAND_TIMEOUTS.items():
        stale = Command.objects.filter(
            type=command_type, status=CommandStatus.RUNNING, started_at__lt=now - timedelta(seconds=seconds)
        )
        for command in stale.select_related("tenant"):
            message = f"Worker lost: still running after {seconds} s. Retry the command."
            with transaction.atomic():
                updated = Command.objects.filter(pk=command.pk, status=CommandStatus.RUNNING).update(
                    status=CommandStatus.ERROR, error_message=message, finished_at=now, progress_message="Worker lost"
                )
                if updated:
                    event_record(
                        action="command.reaped",
                        tenant=command.tenant,
                        target_type="command",
                        target_id=command.pk,
                        after={"error": message},
                    )
            if updated:
                reaped += 1
                _batch_continue(command)
    return reaped


def commands_requeue(*, now=None) -> int:
    """Send again PENDING commands queued longer ago than REQUEUE_AFTER_SECONDS (the message was never
    published, e.g. Redis was down, or was lost); starting is atomic, so a duplicate message runs it once."""
    now = now or timezone.now()
    cutoff = requeue_cutoff(now)
    requeued = 0
    stale = Command.objects.filter(status=CommandStatus.PENDING, queued_at__lt=cutoff).values_list("pk", flat=True)
    for command_id in list(stale):
        # Claimed by moving queued_at, so two reapers at once send it once.
        claimed = Command.objects.filter(pk=command_id, status=CommandStatus.PENDING, queued_at__lt=cutoff).update(
            queued_at=now
        )
        if claimed and _send(command_id):
            requeued += 1
    if requeued:
        logger.info("commands_requeued", count=requeued)
    return requeued


def commands_purge(*, now=None) -> int:
    """Delete commands older than the retention; their audit events stay."""
    now = now or timezone.now()
    deleted, _ = Command.objects.filter(created_at__lt=now - timedelta(days=settings.COMMAND_RETENTION_DAYS)).delete()
    return deleted


def _batch_continue(command: Command) -> None:
    """When a batch command ends, start the batch's next waiting command."""
    if not command.batch_id:
        return
    with transaction.atomic():
        waiting = (
            Command.objects.select_for_update(skip_locked=True)
            .filter(batch_id=command.batch_id, status=CommandStatus.PENDING, queued_at__isnull=True)
            .order_by("created_at")
            .first()
        )
        if waiting is not None:
            command_enqueue(waiting)
