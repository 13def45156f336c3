"""Provisioning a tenant, step by step (seed 003's checklist), with rollback of everything on failure.

Each step records its status, timings, numbers and log lines on the ProvisioningRun as it
goes, so the panel can show it live. A failing step undoes what the run created (schema,
rows, domain, secrets, owner account) and the run ends failed, naming the step.
"""

import secrets as random_secrets
import time
from datetime import timedelta

import structlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_exists, tenant_context

from accounts.models import Membership, User
from accounts.roles import Role
from accounts.services import membership_set
from agents.models import AgentType, TenantAgent
from audit.services import event_record
from core.hosts import tenant_host
from integrations.models import Integration
from tenants import isolation, prechecks
from tenants.models import Plan, ProvisioningRun, Tenant
from tenants.services import tenant_create
from tenants.validation import validate_slug
from vault import get_secret_store

logger = structlog.get_logger(__name__)
STEP_NAMES = [
    "prechecks",
    "schema",
    "seed",
    "secrets",
    "owner",
    "created_by",
    "smoke_test",
    "isolation_audit",
    "activate",
]


class StepFailed(Exception):
    pass


def secret_names(slug: str) -> dict[str, str]:
    return {
        "jwt": f"tenant/{slug}/jwt-signing-key",
        "webhook": f"tenant/{slug}/webhook-api-key",
        "owner_password": f"tenant/{slug}/owner-initial-password",
    }


def _contacts_clean(contacts) -> tuple[list[dict], list[str]]:
    """Handover contacts as {name, email, role}; the problems, by position, without echoing the values.

    A contact is a {name, email, role} object (API) or a "name, e-mail[, role]" line (panel, command).
    """

    if not isinstance(contacts, list):
        return [], ["Give a list of contacts."]
    cleaned, problems = [], []
    for number, contact in enumerate(contacts, start=1):
        if isinstance(contact, str):
            parts = [part.strip() for part in contact.split(",")]
            if len(parts) not in (2, 3):
                problems.append(f"Contact {number}: write it as name, e-mail[, role].")
                continue
            contact = dict(zip(("name", "email", "role"), parts, strict=False))
        if not isinstance(contact, dict) or not all(
            isinstance(contact.get(key, ""), str) for key in ("name", "email", "role")
        ):
            problems.append(f"Contact {number}: give a name, an e-mail and optionally a role, as text.")
            continue
        name, email, role = (contact.get(key, "").strip() for key in ("name", "email", "role"))
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"Contact {number}: enter a valid e-mail address.")
            continue
        if not name:
            problems.append(f"Contact {number}: the name is required.")
            continue
        cleaned.append({"name": name, "email": email.lower(), "role": role[:100]})
    return cleaned, problems


def provisioning_request(
    *,
    slug: str,
    name: str,
    plan_code: str,
    owner_name: str,
    owner_email: str,
    owner_squad: str = "",
    sla: str = Tenant.Sla.STANDARD,
    contacts: list | None = None,
    requested_by=None,
    request=None,
) -> ProvisioningRun:
    """Validate a request and record a pending run; ValidationError names each bad field, nothing is written."""
    errors = {}
    try:
        validate_slug(slug)
    except ValidationError as error:
        errors.update(error.message_dict)
    if not errors.get("slug") and Tenant.objects.filter(slug=slug).exists():
        errors["slug"] = [f"A tenant with slug “{slug}” already exists."]
    if not (name or "").strip():
        errors["name"] = ["Give the tenant a name."]
    plan = Plan.objects.filter(code=plan_code).first()
    if plan is None:
        errors["plan"] = [f"Unknown plan “{plan_code}”."]
    if not (owner_email or "").strip():
        errors["owner_email"] = ["The owner's e-mail is required: they receive the set-password link."]
    else:
        try:
            validate_email(owner_email)
        except ValidationError:
            errors["owner_email"] = ["Enter a valid e-mail address."]
    if not (owner_name or "").strip():
        errors["owner_name"] = ["The owner's name is required."]
    if sla not in Tenant.Sla.values:
        errors["sla"] = [f"One of {', '.join(Tenant.Sla.values)}."]
    contacts, contact_problems = _contacts_clean(contacts if contacts is not None else [])
    if contact_problems:
        errors["contacts"] = contact_problems
    if errors:
        raise ValidationError(errors)
    run = ProvisioningRun.objects.create(
        slug=slug,
        name=name.strip(),
        plan=plan,
        owner_name=owner_name.strip(),
        owner_email=owner_email.strip().lower(),
        owner_squad=owner_squad,
        sla=sla,
        contacts=contacts,
        requested_by=requested_by,
        steps=[{"name": step, "status": "pending", "log": []} for step in STEP_NAMES],
    )
    event_record(
        action="tenant.provisioning_requested",
        actor=requested_by,
        target_type="provisioning_run",
        target_id=run.pk,
        after={"slug": slug, "plan": plan_code, "owner_email": run.owner_email},
        request=request,
    )
    return run


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
    current = STEP_NAMES[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [f"provision:{run.slug}"])
        locked = cursor.fetchone()[0]
    try:
        if not locked:
            raise StepFailed(f"Another provisioning run for “{run.slug}” is in progress.")
        for current in STEP_NAMES:
            started = time.perf_counter()
            recorder.start(current)
            globals()[f"step_{current}"](run, recorder, created)
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
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"provision:{run.slug}"])
    run.refresh_from_db()
    return run


def step_prechecks(run, recorder, created):
    results = prechecks.prechecks_run()
    for result in results:
        recorder.log(
            "prechecks", result.detail, **{result.name: {"used": result.used, "limit": result.limit, "ok": result.ok}}
        )
    refused = [result for result in results if not result.ok]
    if refused:
        raise StepFailed("Not enough headroom: " + "; ".join(result.detail for result in refused))


def step_schema(run, recorder, created):
    started = time.perf_counter()
    tenant = tenant_create(
        slug=run.slug,
        name=run.name,
        plan=run.plan,
        owner_name=run.owner_name,
        owner_email=run.owner_email,
        owner_squad=run.owner_squad,
        sla=run.sla,
        status=Tenant.Status.PROVISIONING,
    )
    created["tenant"] = tenant
    ProvisioningRun.objects.filter(pk=run.pk).update(tenant=tenant)
    recorder.log(
        "schema",
        f"schema {tenant.schema_name} created at {tenant_host(run.slug)}",
        seconds=round(time.perf_counter() - started, 3),
    )


def step_seed(run, recorder, created):
    tenant = created["tenant"]
    codes = list(run.plan.default_agents)
    types = {agent_type.code: agent_type for agent_type in AgentType.objects.filter(code__in=codes)}
    with tenant_context(tenant):
        for code in codes:
            if code in types:
                TenantAgent.objects.get_or_create(agent_type=types[code])
    tenant.settings = {
        **tenant.settings,
        "timezone": "America/Sao_Paulo",
        "locale": "pt-BR",
        "dispatch_enabled": False,
        "contacts": run.contacts,
    }
    tenant.save(update_fields=["settings"])
    recorder.log("seed", f"{len(types)} default agents: {', '.join(sorted(types)) or 'none'}", agents=len(types))


def step_secrets(run, recorder, created):
    store = get_secret_store()
    requester = run.requested_by.email if run.requested_by else "system"
    tags = {"tenant": run.slug, "requested_by": requester}
    for kind in ("jwt", "webhook"):
        name = secret_names(run.slug)[kind]
        store.put(name, random_secrets.token_urlsafe(48), tags={**tags, "kind": kind}, actor=requester)
        created["secrets"].append(name)
        recorder.log("secrets", f"{name} v1 stored")


def step_owner(run, recorder, created):
    tenant = created["tenant"]
    password = random_secrets.token_urlsafe(24)
    name = secret_names(run.slug)["owner_password"]
    get_secret_store().put(name, password, tags={"tenant": run.slug, "kind": "owner-password"}, actor="provisioning")
    created["secrets"].append(name)
    user = User.objects.filter(email=run.owner_email).first()
    if user is None:
        user = User.objects.create_user(email=run.owner_email, name=run.owner_name, password=password)
        created["owner"] = user
    created["owner_email"] = user.email
    membership_set(user=user, tenant=tenant, role=Role.TENANT_ADMIN, actor=run.requested_by)
    created["membership"] = True
    recorder.log("owner", f"{user.email} is TENANT_ADMIN; the set-password link is e-mailed once the tenant is active")


def step_created_by(run, recorder, created):
    tenant = Tenant.objects.get(pk=created["tenant"].pk)
    requester = run.requested_by
    record = {
        "name": requester.name if requester else "system",
        "email": requester.email if requester else "",
        "at": timezone.now().isoformat(),
    }
    tenant.settings = {**tenant.settings, "createdBy": record}
    tenant.save(update_fields=["settings"])
    recorder.log("created_by", f"createdBy {record['email'] or record['name']}")


def step_smoke_test(run, recorder, created):
    """Log in as the owner through the test client, create and read back a record, clean it up."""

    tenant = created["tenant"]
    owner = created.get("owner")
    if owner is not None:
        password = get_secret_store().get(secret_names(run.slug)["owner_password"]).reveal()
        client = Client(HTTP_HOST=tenant_host(run.slug))
        response = client.post("/login/", {"username": owner.email, "password": password})
        if response.status_code != 302:
            raise StepFailed(f"the owner could not log in (HTTP {response.status_code})")
        me = client.get("/api/tenant/me")
        if me.status_code != 200 or me.json().get("slug") != run.slug:
            raise StepFailed(f"/api/tenant/me answered {me.status_code} for the owner")
        recorder.log("smoke_test", "owner logged in and read /api/tenant/me")
    with tenant_context(tenant):
        record = Integration.objects.create(kind="webhook", name="smoke-test", status="disabled")
        if not Integration.objects.filter(pk=record.pk, name="smoke-test").exists():
            raise StepFailed("a record written to the new schema could not be read back")
        record.delete()
    recorder.log("smoke_test", "record created, read back and removed")


def step_isolation_audit(run, recorder, created):
    tenant = created["tenant"]
    problems = isolation.audit_tenant(tenant).problems + isolation.marker_invisible_elsewhere(tenant)
    if problems:
        raise StepFailed("isolation audit: " + "; ".join(problems))
    recorder.log(
        "isolation_audit",
        "search path and tables resolve to the tenant's schema; its rows are invisible to other tenants",
    )


def step_activate(run, recorder, created):
    tenant = Tenant.objects.get(pk=created["tenant"].pk)
    tenant.status = Tenant.Status.ACTIVE
    tenant.save(update_fields=["status"])
    event_record(
        action="tenant.provisioned",
        actor=run.requested_by,
        tenant=tenant,
        target_type="tenant",
        target_id=tenant.pk,
        after={"slug": tenant.slug, "plan": run.plan.code, "run": str(run.pk)},
    )
    recorder.log("activate", "tenant is active; the owner's set-password link is queued once the run has succeeded")


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

    now = now or timezone.now()
    stale = ProvisioningRun.objects.filter(
        status=ProvisioningRun.Status.PENDING, created_at__lt=now - timedelta(seconds=settings.REQUEUE_AFTER_SECONDS)
    ).values_list("pk", flat=True)
    requeued = 0
    for run_id in stale:
        try:
            provision_tenant.delay(str(run_id))
        except Exception as exc:  # the broker is still down: the next sweep tries again
            logger.warning("provisioning_requeue_failed", run=str(run_id), error=type(exc).__name__)
            break
        requeued += 1
    return requeued


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
        key = f"provision:{run.slug}"
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [key])
            if not cursor.fetchone()[0]:
                continue
        try:
            claimed = ProvisioningRun.objects.filter(pk=run.pk, status=ProvisioningRun.Status.RUNNING).update(
                status=ProvisioningRun.Status.FAILED, finished_at=now
            )
            if not claimed:
                continue
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
            reaped += 1
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])
    return reaped


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
