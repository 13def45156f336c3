"""The steps of provisioning a tenant, each a function of (run, recorder, created)."""

import secrets as random_secrets
import time

import structlog
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import User
from accounts.roles import Role
from accounts.services import membership_set
from agents.models import AgentType, TenantAgent
from audit.services import event_record
from core.hosts import tenant_host
from integrations.models import Integration
from tenants import isolation, prechecks
from tenants.models import ProvisioningRun, Tenant
from tenants.services import tenant_create
from vault import get_secret_store
from webhooks.signing import tenant_secret_name

logger = structlog.get_logger(__name__)


class StepFailed(Exception):
    pass


def secret_names(slug: str) -> dict[str, str]:
    return {
        "jwt": f"tenant/{slug}/jwt-signing-key",
        "webhook": tenant_secret_name(slug),
        "owner_password": f"tenant/{slug}/owner-initial-password",
    }


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


# The checklist of seed 003, in order: each step gets the run, the recorder and what the run created so far
# (the rollback undoes exactly that). A step raises StepFailed with a reason a person can act on.
STEPS = [
    ("prechecks", step_prechecks),
    ("schema", step_schema),
    ("seed", step_seed),
    ("secrets", step_secrets),
    ("owner", step_owner),
    ("created_by", step_created_by),
    ("smoke_test", step_smoke_test),
    ("isolation_audit", step_isolation_audit),
    ("activate", step_activate),
]
STEP_NAMES = [name for name, _ in STEPS]
