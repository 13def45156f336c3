"""Operational commands: created with their parameters checked, run by a worker once, retried, reaped.

- `parameters.py`: each command type's parameters and how they are checked (`PARAMETERS`).
- `services.py`: create, cancel, retry, start, run, finish; beat's reaper, re-sender and purge.
- `batches.py`: one type run for many tenants, a few at a time.
- The handlers that do each type's work are in `operations/handlers/` (`HANDLERS`).
"""

from operations.commands.batches import batch_create, batch_summary, batch_tenants
from operations.commands.parameters import PARAMETERS, parameters_validate
from operations.commands.services import (
    IDEMPOTENCY_WINDOW,
    IdempotencyKeyReused,
    command_cancel,
    command_create,
    command_finish,
    command_progress,
    command_retry,
    command_run,
    command_start,
    commands_purge,
    commands_reap,
    commands_requeue,
    request_fingerprint,
    required_action,
    types_allowed_for,
)

__all__ = [
    "IDEMPOTENCY_WINDOW",
    "PARAMETERS",
    "IdempotencyKeyReused",
    "batch_create",
    "batch_summary",
    "batch_tenants",
    "command_cancel",
    "command_create",
    "command_finish",
    "command_progress",
    "command_retry",
    "command_run",
    "command_start",
    "commands_purge",
    "commands_reap",
    "commands_requeue",
    "parameters_validate",
    "request_fingerprint",
    "required_action",
    "types_allowed_for",
]
