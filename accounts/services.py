"""Writes on users, memberships, invitations and internal roles. Each writes its own audit event."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import Invitation, Membership, User
from accounts.policy import is_internal
from accounts.roles import INTERNAL_ROLES, TENANT_ROLES, Role
from audit.services import event_record
from core.hosts import public_url, tenant_url

# How long an invitation's link works.
INVITATION_LIFETIME = timedelta(days=7)


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
) -> Membership | Invitation:
    """Add a person to a tenant.

    A new address gets an account, the membership and a set-password link (no password is ever sent).
    An address that already has an account gets an invitation its owner must accept (invitation_create):
    the tenant learns nothing about that person until then.
    """
    email = User.objects.normalize_email(email).lower()
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        return invitation_create(tenant=tenant, user=existing, email=email, role=role, actor=actor, request=request)
    with transaction.atomic():
        user = User.objects.create_user(email=email, name=name)
        membership = membership_set(user=user, tenant=tenant, role=role, actor=actor, request=request)
    transaction.on_commit(lambda: set_password_email_send(user=user, tenant=tenant))
    return membership


@transaction.atomic
def invitation_create(
    *, tenant, user: User, email: str, role: Role, actor: User | None = None, request=None
) -> Invitation:
    """Invite an existing account to `tenant` and mail its owner a one-time accept/decline link.

    Staff accounts are invited like any other (the tenant must not learn who is staff) and refused
    on acceptance. One pending invitation per tenant and address; an expired one makes room.
    """
    if role not in TENANT_ROLES:
        raise ValidationError({"role": _("%(role)s is not a tenant role.") % {"role": role}})
    if Membership.objects.filter(user=user, tenant=tenant).exists():
        raise ValidationError({"email": _("This person is already a member of the tenant.")})
    now = timezone.now()
    Invitation.objects.filter(tenant=tenant, email=email, status=Invitation.Status.PENDING, expires_at__lte=now).update(
        status=Invitation.Status.EXPIRED
    )
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                tenant=tenant,
                email=email,
                user=user,
                role=role.value,
                invited_by=actor if getattr(actor, "pk", None) else None,
                expires_at=now + INVITATION_LIFETIME,
            )
    except IntegrityError:
        raise ValidationError({"email": _("An invitation to this address is already pending.")}) from None
    event_record(
        action="invitation.created",
        actor=actor,
        tenant=tenant,
        target_type="invitation",
        target_id=invitation.pk,
        after={"email": email, "role": role.value},
        request=request,
    )
    transaction.on_commit(lambda: invitation_email_send(invitation=invitation))
    return invitation


def invitation_email_send(*, invitation: Invitation) -> None:
    """Mail the invited person the link where they accept or decline (it says "invited", never "created")."""
    tenant = invitation.tenant
    inviter = invitation.invited_by
    values = {
        "tenant": tenant.name,
        "inviter": (inviter.name or inviter.email) if inviter is not None else tenant.name,
        "role": Role(invitation.role).label,
        "expires": f"{invitation.expires_at:%Y-%m-%d}",
        "link": tenant_url(tenant, f"/invitations/{invitation.token}"),
    }
    body = _(
        "Hello,\n\nYou were invited to %(tenant)s on Alquimista Ops by %(inviter)s, as %(role)s.\n"
        "Nothing changes for your account unless you accept. Accept or decline here "
        "(the link works once, until %(expires)s):\n\n%(link)s\n"
    )
    send_mail(
        subject=_("You were invited to %(tenant)s") % values,
        message=body % values,
        from_email=None,
        recipient_list=[invitation.user.email],
    )


def _invitation_close(*, invitation: Invitation, status: str) -> None:
    """Pending and unexpired → `status`, as one conditional UPDATE (a second click or a race changes nothing)."""
    now = timezone.now()
    closed = Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING, expires_at__gt=now).update(
        status=status, responded_at=now
    )
    if not closed:
        raise ValidationError(_("This invitation is no longer valid."))
    invitation.status, invitation.responded_at = status, now


@transaction.atomic
def invitation_accept(*, invitation: Invitation, request=None) -> Membership:
    """The invited person joins the tenant with the invited role. Staff accounts never join a tenant."""
    user = invitation.user
    if is_internal(user) or user.is_staff:
        raise ValidationError(_("Staff accounts cannot join a tenant. Ask our staff for view-as access instead."))
    _invitation_close(invitation=invitation, status=Invitation.Status.ACCEPTED)
    membership = membership_set(
        user=user, tenant=invitation.tenant, role=Role(invitation.role), actor=user, request=request
    )
    event_record(
        action="invitation.accepted",
        actor=user,
        tenant=invitation.tenant,
        target_type="invitation",
        target_id=invitation.pk,
        request=request,
    )
    return membership


@transaction.atomic
def invitation_decline(*, invitation: Invitation, request=None) -> None:
    _invitation_close(invitation=invitation, status=Invitation.Status.DECLINED)
    event_record(
        action="invitation.declined",
        actor=invitation.user,
        tenant=invitation.tenant,
        target_type="invitation",
        target_id=invitation.pk,
        request=request,
    )


@transaction.atomic
def invitation_cancel(*, invitation: Invitation, actor: User | None = None, request=None) -> None:
    """A tenant admin withdraws a pending invitation; its link stops working."""
    _invitation_close(invitation=invitation, status=Invitation.Status.CANCELLED)
    event_record(
        action="invitation.cancelled",
        actor=actor,
        tenant=invitation.tenant,
        target_type="invitation",
        target_id=invitation.pk,
        after={"email": invitation.email},
        request=request,
    )


def internal_user_create(*, email: str, name: str, role: Role, actor: User | None = None) -> User:
    with transaction.atomic():
        user = user_ensure(email=email, name=name)
        internal_role_set(user=user, role=role, actor=actor)
    return user
