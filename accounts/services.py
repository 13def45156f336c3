"""Writes on users, memberships and internal roles."""
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Membership, User
from accounts.roles import INTERNAL_ROLES, TENANT_ROLES, Role


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


@transaction.atomic
def internal_role_set(*, user: User, role: Role | None) -> None:
    """Make the user internal staff with `role` (or none), in the matching group only."""
    if role is not None and role not in INTERNAL_ROLES:
        raise ValueError(f"{role} is not an internal role")
    user.groups.remove(*Group.objects.filter(name__in=[r.value for r in INTERNAL_ROLES]))
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    user.is_staff = role is not None
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("_internal_role", None)


def membership_set(*, user: User, tenant, role: Role) -> Membership:
    if role not in TENANT_ROLES:
        raise ValueError(f"{role} is not a tenant role")
    membership, _ = Membership.objects.update_or_create(user=user, tenant=tenant, defaults={"role": role.value})
    user.__dict__.pop("_tenant_roles", None)
    return membership
