"""Running a provisioning request step by step, undoing everything on failure; beat's sweeps of lost and dead runs."""

import time
from datetime import timedelta

import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_exists

from accounts.models import Membership, User
from audit.services import event_record
from core.locks import advisory_lock
from core.requeue import requeue, requeue_cutoff
from tenants.models import ProvisioningRun, Tenant
from tenants.provisioning.steps import STEP_NAMES, STEPS, StepFailed, secret_names
from vault import get_secret_store
from webhooks.services import webhook_emit

logger = structlog.get_logger(__name__)


class _Recorder:
    """Writes step progress to the run row as it happens (outside the steps' own transactions)."""

    def __init__(self, run: ProvisioningRun):
        self.run = run

    def _save(self):
        ProvisioningRun.objects.filter(pk=self.run.pk).update(steps=self.run.steps)

    def step(self, name: str) -> dict:
        return next(step for step in self.run.steps if step["name"] == name)

    def start(self, name: str):
        step = self.step(name)
        step.update(status="running", started_at=timezone.now().isoformat())
        self._save()

    def log(self, name: str, line: str, **numbers):
        step = self.step(name)
        step["log"].append(line)
        if numbers:
            step.setdefault("numbers", {}).update(numbers)
        self._save()

    def finish(self, name: str, status: str, started: float):
        step = self.step(name)
        step.update(
            status=status, finished_at=timezone.now().isoformat(), seconds=round(time.perf_counter() - started, 3)
        )
        self._save()


def provisioning_run(run_id) -> ProvisioningRun:
    """Run every step; on failure undo what was created. Safe to call twice (a finished run is left alone)."""
    updated = ProvisioningRun.objects.filter(pk=run_id, status=ProvisioningRun.Status.PENDING).update(
        status=ProvisioningRun.Status.RUNNING, started_at=timezone.now()
    )
    run = ProvisioningRun.objects.select_related("plan", "requested_by").get(pk=run_id)
    if not updated:
        return run
    recorder = _Recorder(run)
    created: dict = {"secrets": []}
    with advisory_lock(f"provision:{run.slug}") as locked:
        _steps_run(run, recorder, created, locked=locked)
    run.refresh_from_db()
    return run


def _steps_run(run: ProvisioningRun, recorder: "_Recorder", created: dict, *, locked: bool) -> None:
    current = STEP_NAMES[0]
    try:
        if not locked:
            raise StepFailed(f"Another provisioning run for “{run.slug}” is in progress.")
        for current, step in STEPS:
            started = time.perf_counter()
            recorder.start(current)
            step(run, recorder, created)
            recorder.finish(current, "done", started)
    except Exception as exc:
        message = str(exc) if isinstance(exc, StepFailed | ValidationError) else f"{type(exc).__name__}: {exc}"
        logger.warning("provisioning_failed", slug=run.slug, step=current, error=message)
        try:
            recorder.log(current, f"failed: {message}")
            recorder.finish(current, "failed", time.perf_counter())
        except Exception as record_exc:
            logger.warning("provisioning_record_failed", slug=run.slug, error=type(record_exc).__name__)
        _rollback(run, recorder, created)
        _run_fail(run, step=current, message=message)
    else:
        ProvisioningRun.objects.filter(pk=run.pk).update(
            status=ProvisioningRun.Status.SUCCEEDED, finished_at=timezone.now()
        )
        webhook_emit(
            tenant=created["tenant"],
            event_type="provisioning.finished",
            data={"run_id": run.pk, "slug": run.slug, "status": ProvisioningRun.Status.SUCCEEDED},
        )
        # Only now, and from a task with retries: a failed run must not invite anyone, the smoke test's login
        # would void an earlier link, and an SMTP outage must not undo a working tenant.
        from tenants.tasks import owner_set_password_email_enqueue  # noqa: PLC0415  (cycle: the tasks call this module)

        try:
            owner = User.objects.get(email=run.owner_email)
            owner_set_password_email_enqueue(user_id=owner.pk, tenant_id=created["tenant"].pk)
        except Exception as exc:
            logger.warning("owner_set_password_email_not_queued", slug=run.slug, error=type(exc).__name__)
    finally:
        # The smoke test's requests leave the connection in the new tenant's schema.
        connection.set_schema_to_public()


def _run_fail(run: ProvisioningRun, *, step: str, message: str, action: str = "tenant.provisioning_failed") -> None:
    ProvisioningRun.objects.filter(pk=run.pk).update(
        status=ProvisioningRun.Status.FAILED,
        error=message[:2000],
        failed_step=step,
        finished_at=timezone.now(),
        tenant=None,
    )
    event_record(
        action=action,
        actor=run.requested_by,
        target_type="provisioning_run",
        target_id=run.pk,
        after={"slug": run.slug, "step": step, "error": message[:500]},
    )
    webhook_emit(
        tenant=None,  # no tenant is left: the company's endpoints hear of it
        event_type="provisioning.finished",
        data={"run_id": run.pk, "slug": run.slug, "status": ProvisioningRun.Status.FAILED, "failed_step": step},
    )


def _rollback(run, recorder, created) -> list[str]:
    """Undo what this run created, newest first; each undo is attempted (and a failure logged) even if another fails.

    Returns the undo steps that failed, named, so the run's log says what may be left behind.
    """
    connection.set_schema_to_public()
    store = get_secret_store()
    tenant = created.get("tenant")
    owner = created.get("owner")

    def drop_schema():
        if schema_exists(tenant.schema_name):
            with connection.cursor() as cursor:
                # Deferred foreign keys checked now: a schema with pending trigger events cannot be dropped.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"DROP SCHEMA {connection.ops.quote_name(tenant.schema_name)} CASCADE")

    undo = [(f"secret {name}", lambda name=name: store.delete(name)) for name in reversed(created["secrets"])]
    if tenant is not None:
        undo.append(("memberships", lambda: Membership.objects.filter(tenant_id=tenant.pk).delete()))
    if owner is not None:
        undo.append(("owner account", lambda: User.objects.filter(pk=owner.pk).delete()))
    if tenant is not None:
        undo.append(("schema", drop_schema))
        undo.append(("tenant and domain", lambda: Tenant.objects.filter(pk=tenant.pk).delete()))
    failed = []
    for what, action in undo:
        try:
            action()
        except Exception as exc:
            failed.append(what)
            logger.warning("provisioning_rollback_step_failed", slug=run.slug, undo=what, error=type(exc).__name__)
    connection.set_schema_to_public()
    line = (
        f"rolled back, except: {', '.join(failed)}"
        if failed
        else "rolled back: schema, rows, domain, secrets and owner account removed"
    )
    try:
        recorder.log(recorder.run.steps[0]["name"], line)
    except Exception as exc:
        logger.warning("provisioning_record_failed", slug=run.slug, error=type(exc).__name__)
    return failed


def provisioning_requeue(*, now=None) -> int:
    """Send again runs still PENDING after REQUEUE_AFTER_SECONDS: their message never reached a worker
    (Redis was down when it was sent). A run starts only from PENDING, so a duplicate message does nothing."""
    from tenants.tasks import provision_tenant  # noqa: PLC0415  (cycle: the tasks call this module)

    stale = ProvisioningRun.objects.filter(status=ProvisioningRun.Status.PENDING, created_at__lt=requeue_cutoff(now))
    return requeue(
        ((provision_tenant, str(run_id)) for run_id in stale.values_list("pk", flat=True)), kind="provisioning"
    )


def provisioning_reap(*, now=None) -> int:
    """Runs RUNNING longer than PROVISIONING_TIMEOUT_SECONDS (their worker died) → failed, what exists rolled back.

    A run whose worker still holds the slug's advisory lock is alive, however slow, and is left alone.
    """

    now = now or timezone.now()
    seconds = settings.PROVISIONING_TIMEOUT_SECONDS
    stale = ProvisioningRun.objects.filter(
        status=ProvisioningRun.Status.RUNNING, started_at__lt=now - timedelta(seconds=seconds)
    ).select_related("requested_by", "tenant")
    reaped = 0
    for run in stale:
        with advisory_lock(f"provision:{run.slug}") as locked:
            if locked and _run_reap(run, now=now, seconds=seconds):
                reaped += 1
    return reaped


def _run_reap(run: ProvisioningRun, *, now, seconds: int) -> bool:
    """Fail a dead run and roll back what it left (the caller holds the slug's lock); False if it finished since."""
    claimed = ProvisioningRun.objects.filter(pk=run.pk, status=ProvisioningRun.Status.RUNNING).update(
        status=ProvisioningRun.Status.FAILED, finished_at=now
    )
    if not claimed:
        return False
    step = next((s["name"] for s in run.steps if s["status"] == "running"), STEP_NAMES[0])
    recorder = _Recorder(run)
    recorder.log(step, f"failed: worker lost (still running after {seconds} s)")
    recorder.step(step)["status"] = "failed"
    _rollback(run, recorder, _created_by(run))
    _run_fail(
        run,
        step=step,
        message=f"Worker lost: still running after {seconds} s; rolled back. Retry the request.",
        action="tenant.provisioning_reaped",
    )
    return True


def _created_by(run: ProvisioningRun) -> dict:
    """What a dead run left behind, read back from the database and the secret store."""
    tenant = run.tenant
    if tenant is None:  # the worker may have died between creating the tenant and noting it on the run
        tenant = Tenant.objects.filter(
            slug=run.slug, status=Tenant.Status.PROVISIONING, created_at__gte=run.started_at
        ).first()
    if tenant is not None and tenant.status != Tenant.Status.PROVISIONING:
        tenant = None  # never undo a tenant that made it to active
    created: dict = {"secrets": [], "tenant": tenant}
    if tenant is not None:
        store = get_secret_store()
        created["secrets"] = [name for name in secret_names(run.slug).values() if store.exists(name)]
        # The owner account is the run's only if it was made during the run and belongs to nothing else.
        owner = User.objects.filter(email=run.owner_email, date_joined__gte=run.started_at).first()
        if owner is not None and not Membership.objects.filter(user=owner).exclude(tenant_id=tenant.pk).exists():
            created["owner"] = owner
    return created
