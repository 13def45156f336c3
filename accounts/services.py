"""Writes on users, memberships and internal roles. Each writes its own audit event."""

from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Membership, User
from accounts.roles import INTERNAL_ROLES, TENANT_ROLES, Role
from audit.services import event_record
from core.hosts import public_url, tenant_url


def user_ensure(*, email: str, name: str = "", password: str | None = None) -> User:
    """Get or create the user with this e-mail; sets the password only when one is given."""
    email = User.objects.normalize_email(email).lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        return User.objects.create_user(email=email, name=name, password=password)
    if password is not None:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def set_password_link(*, user: User, tenant=None) -> str:
    """A one-time link where `user` sets a password, on their tenant's host (or the public one)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = f"/reset/{uid}/{default_token_generator.make_token(user)}/"
    return tenant_url(tenant, path) if tenant is not None and not tenant.is_public else public_url(path)


SET_PASSWORD_REASONS = {
    "created": "An account was created for you on {place}.",
    "rotated": "Your password on {place} was replaced with a new random one by our staff; the old one no longer works.",
}


def set_password_email_send(*, user: User, tenant=None, reason: str = "created") -> None:
    """E-mail `user` a one-time set-password link (never a password); `reason` says why they get it."""
    link = set_password_link(user=user, tenant=tenant)
    place = tenant.name if tenant is not None and not tenant.is_public else "the Alquimista Ops company panel"
    send_mail(
        subject="Set your Alquimista Ops password",
        message=(
            f"Hello {user.name or user.email},\n\n{SET_PASSWORD_REASONS[reason].format(place=place)}\n"
            f"Choose your password here (the link works once and expires in a few days):\n\n{link}\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def internal_role_set(*, user: User, role: Role | None, actor: User | None = None, request=None) -> None:
    """Make the user internal staff with `role` (or none), in the matching group only."""
    if role is not None and role not in INTERNAL_ROLES:
        raise ValidationError({"role": f"{role} is not an internal role."})
    before = user.internal_role
    if before == role and user.is_staff == (role is not None):
        return
    user.groups.remove(*Group.objects.filter(name__in=[r.value for r in INTERNAL_ROLES]))
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    user.is_staff = role is not None
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("_internal_role", None)
    if before != role:
        event_record(
            action="user.internal_role_changed",
            actor=actor,
            target_type="user",
            target_id=user.pk,
            before={"role": before.value if before else None},
            after={"role": role.value if role else None},
            request=request,
        )


@transaction.atomic
def membership_set(*, user: User, tenant, role: Role, actor: User | None = None, request=None) -> Membership:
    """Give `user` `role` in `tenant` (creating or changing the membership)."""
    if role not in TENANT_ROLES:
        raise ValidationError({"role": f"{role} is not a tenant role."})
    membership = Membership.objects.filter(user=user, tenant=tenant).first()
    previous = membership.role if membership else None
    if previous == role.value:
        return membership
    membership, _ = Membership.objects.update_or_create(user=user, tenant=tenant, defaults={"role": role.value})
    user.__dict__.pop("_tenant_roles", None)
    if previous != role.value:
        event_record(
            action="membership.role_changed",
            actor=actor,
            tenant=tenant,
            target_type="user",
            target_id=user.pk,
            before={"role": previous},
            after={"role": role.value},
            request=request,
        )
    return membership


@transaction.atomic
def membership_remove(
    *, user: User, tenant, actor: User | None = None, request=None, enforce_last_admin: bool = True
) -> None:
    """Take `user` out of `tenant`. SSO sync passes enforce_last_admin=False: the provider decides."""
    removed = Membership.objects.filter(user=user, tenant=tenant).select_for_update().first()
    if removed is None:
        return
    if enforce_last_admin and removed.role == Role.TENANT_ADMIN and _last_admin(tenant, removed):
        raise ValidationError({"user": "A tenant keeps at least one tenant admin."})
    removed.delete()
    user.__dict__.pop("_tenant_roles", None)
    event_record(
        action="membership.removed",
        actor=actor,
        tenant=tenant,
        target_type="user",
        target_id=user.pk,
        before={"role": removed.role},
        request=request,
    )


def _last_admin(tenant, membership: Membership) -> bool:
    return not Membership.objects.filter(tenant=tenant, role=Role.TENANT_ADMIN).exclude(pk=membership.pk).exists()


@transaction.atomic
def membership_role_change(*, user: User, tenant, role: Role, actor: User | None = None, request=None) -> Membership:
    membership = Membership.objects.select_for_update().filter(user=user, tenant=tenant).first()
    if membership is None:
        raise ValidationError({"user": "This person is not a member of the tenant."})
    if membership.role == Role.TENANT_ADMIN and role != Role.TENANT_ADMIN and _last_admin(tenant, membership):
        raise ValidationError({"role": "A tenant keeps at least one tenant admin."})
    return membership_set(user=user, tenant=tenant, role=role, actor=actor, request=request)


def tenant_user_invite(
    *, tenant, email: str, name: str = "", role: Role, actor: User | None = None, request=None
) -> User:
    """Add a person to a tenant and e-mail them a set-password link (no password is ever sent)."""
    with transaction.atomic():
        user = user_ensure(email=email, name=name)
        if Membership.objects.filter(user=user, tenant=tenant).exists():
            raise ValidationError({"email": "This person is already a member of the tenant."})
        membership_set(user=user, tenant=tenant, role=role, actor=actor, request=request)
    transaction.on_commit(lambda: set_password_email_send(user=user, tenant=tenant))
    return user


def internal_user_create(*, email: str, name: str, role: Role, actor: User | None = None) -> User:
    with transaction.atomic():
        user = user_ensure(email=email, name=name)
        internal_role_set(user=user, role=role, actor=actor)
    return user
