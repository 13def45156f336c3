"""Provisioning a tenant, step by step (seed 003's checklist), with rollback of everything on failure.

- `request.py`: validates a request, records a pending run and starts it (its task is sent on commit).
- `steps.py`: the steps, in order, in `STEPS`: read it to follow a run.
- `run.py`: runs the steps under the slug's advisory lock, records progress on the run row as it goes
  (the panel shows it live), undoes what the run created when a step fails; beat's sweeps re-send runs
  whose message was lost and fail runs whose worker died.
"""

from tenants.provisioning.request import provisioning_request, provisioning_request_from
from tenants.provisioning.run import provisioning_reap, provisioning_requeue, provisioning_run
from tenants.provisioning.steps import STEP_NAMES, STEPS, StepFailed, secret_names

__all__ = [
    "STEPS",
    "STEP_NAMES",
    "StepFailed",
    "provisioning_reap",
    "provisioning_request",
    "provisioning_request_from",
    "provisioning_requeue",
    "provisioning_run",
    "secret_names",
]
