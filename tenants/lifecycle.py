"""Suspend, resume, archive a tenant; rotate its credentials. Each audited."""

from datetime import timedelta

import structlog
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import event_record
from tenants.backups import backup_tenant
from tenants.models import SecretRotation, Tenant
from vault import SecretNotFound, get_secret_store

logger = structlog.get_logger(__name__)

TRANSITIONS = {
    "suspend": ({Tenant.Status.ACTIVE}, Tenant.Status.SUSPENDED, "tenant.suspended"),
    "resume": ({Tenant.Status.SUSPENDED}, Tenant.Status.ACTIVE, "tenant.resumed"),
}


def tenant_transition(*, tenant: Tenant, to: str, actor, reason: str = "", request=None) -> Tenant:
    """suspend (active → suspended) or resume (suspended → active): a conditional update, audited."""
    sources, target, action = TRANSITIONS[to]
    if not isinstance(reason, str):
        raise ValidationError({"reason": "The reason must be text."})
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.status not in sources:
            raise ValidationError({"status": f"A tenant that is {locked.status} cannot be {target.label.lower()} now."})
        before = locked.status
        locked.status = target
        locked.save(update_fields=["status"])  # post_save drops the cached host lookup
        event_record(
            action=action,
            actor=actor,
            tenant=locked,
            target_type="tenant",
            target_id=locked.pk,
            before={"status": before},
            after={"status": target, "reason": reason[:300]},
            request=request,
        )
    return locked


def tenant_archive(*, tenant: Tenant, actor, request=None) -> Tenant:
    """Take a final verified backup, then drop the schema; the public rows (roll-ups, audit) stay."""

    if tenant.is_public or tenant.status == Tenant.Status.ARCHIVED:
        raise ValidationError({"status": "This tenant cannot be archived."})
    backup = backup_tenant(tenant=tenant, actor=actor, request=request)
    if not backup.verified:
        raise ValidationError({"backup": "The final backup could not be verified; nothing was dropped."})
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(locked.schema_name)} CASCADE")
        before = locked.status
        locked.status = Tenant.Status.ARCHIVED
        locked.save(update_fields=["status"])
        event_record(
            action="tenant.archived",
            actor=actor,
            tenant=locked,
            target_type="tenant",
            target_id=locked.pk,
            before={"status": before},
            after={"status": "archived", "backup": backup.location},
            request=request,
        )
    return locked


# The platform's own per-tenant credentials; integration tokens rotate through RESET_TOKEN.
ROTATABLE_KINDS = ("jwt", "webhook", "owner-password")
# What the schedule rotates: platform keys only. The owner's password is theirs once they have set it.
SCHEDULED_KINDS = ("jwt", "webhook")


def tenant_secrets(tenant: Tenant) -> list:
    """Names, versions, tags and dates of the tenant's platform credentials (never values)."""
    return [
        meta
        for meta in get_secret_store().list(tags={"tenant": tenant.slug})
        if meta.tags.get("kind") in ROTATABLE_KINDS
    ]


def tenant_secret_names(tenant: Tenant) -> list[str]:
    return [meta.name for meta in tenant_secrets(tenant)]


def credential_rotate(
    *, tenant: Tenant, secret_name: str, actor_email: str, reason: str = "on demand", request=None, actor=None
):
    """A new random version of one of the tenant's secrets; the old one is superseded. History keeps no values.

    Rotating the owner's password (on demand only) sets the new random value on the owner's account, so
    the old password stops working, and e-mails the owner a set-password link (never the password).
    """
    from tenants.tasks import owner_set_password_email_enqueue  # noqa: PLC0415  (cycle: the tasks call this module)

    metas = {meta.name: meta for meta in tenant_secrets(tenant)}
    if secret_name not in metas:
        raise ValidationError({"secret": f"“{secret_name}” is not a secret of {tenant.slug}."})
    is_owner_password = metas[secret_name].tags.get("kind") == "owner-password"
    if is_owner_password and reason == "scheduled":
        raise ValidationError({"secret": "The owner's password is never rotated on a schedule."})
    store = get_secret_store()
    with transaction.atomic():
        try:
            meta = store.rotate(secret_name, actor=actor_email)
        except SecretNotFound:
            raise ValidationError({"secret": f"“{secret_name}” no longer exists."}) from None
        owner = None
        if is_owner_password:
            owner = User.objects.filter(email=tenant.owner_email, memberships__tenant=tenant).first()
            if owner is not None:
                owner.set_password(store.get(secret_name).reveal())
                owner.save(update_fields=["password"])
                owner_set_password_email_enqueue(user_id=owner.pk, tenant_id=tenant.pk, reason="rotated")
        SecretRotation.objects.create(
            tenant=tenant, secret_name=secret_name, version=meta.version, requested_by=actor_email, reason=reason
        )
        after = {"version": meta.version, "reason": reason}
        if is_owner_password:
            after["set_password_link_sent"] = owner is not None
        event_record(
            action="tenant.secret_rotated",
            actor=actor,
            actor_email=actor_email,
            tenant=tenant,
            target_type="secret",
            target_id=secret_name,
            after=after,
            request=request,
        )
    return meta


def scheduled_rotations(*, max_age_days: int) -> int:
    """Rotate every platform key (JWT signing, webhook) older than `max_age_days` (beat); never the owner's password."""

    cutoff = timezone.now() - timedelta(days=max_age_days)
    rotated = 0
    for tenant in Tenant.objects.customers().filter(status=Tenant.Status.ACTIVE):
        for meta in tenant_secrets(tenant):
            if meta.tags.get("kind") in SCHEDULED_KINDS and meta.created_at and meta.created_at < cutoff:
                try:
                    credential_rotate(tenant=tenant, secret_name=meta.name, actor_email="scheduler", reason="scheduled")
                except ValidationError as error:  # one secret gone since listing must not stop the others
                    logger.warning("scheduled_rotation_failed", secret=meta.name, error=str(error))
                    continue
                rotated += 1
    return rotated
