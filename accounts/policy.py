"""Who may do what: the only place permission decisions are made.

The matrix is DESIGN.md's "Roles" table. Views, the API, templates and the admin ask
`can(user, action, tenant)`; nothing else compares roles.
"""
from enum import StrEnum

from accounts.roles import Role


class Action(StrEnum):
    VIEW_TENANT_DASHBOARD = "view_tenant_dashboard"
    MANAGE_LEADS = "manage_leads"
    VIEW_COMPANY_PANEL = "view_company_panel"
    VIEW_BILLING = "view_billing"
    CREATE_BASIC_COMMAND = "create_basic_command"
    CREATE_RESET_TOKEN_COMMAND = "create_reset_token_command"
    ROTATE_CREDENTIALS = "rotate_credentials"
    MANAGE_TENANT_LIFECYCLE = "manage_tenant_lifecycle"
    READ_AUDIT_LOG = "read_audit_log"
    VIEW_AS_TENANT = "view_as_tenant"
    ENABLE_DISPATCH = "enable_dispatch"
    MANAGE_TENANT_USERS = "manage_tenant_users"
    USE_DJANGO_ADMIN = "use_django_admin"


A, S, TA, TU = Role.INTERNAL_ADMIN, Role.INTERNAL_SUPPORT, Role.TENANT_ADMIN, Role.TENANT_USER

MATRIX: dict[Action, frozenset[Role]] = {
    Action.VIEW_TENANT_DASHBOARD: frozenset({TA, TU}),
    Action.MANAGE_LEADS: frozenset({TA}),
    Action.VIEW_COMPANY_PANEL: frozenset({A, S}),
    Action.VIEW_BILLING: frozenset({A}),
    Action.CREATE_BASIC_COMMAND: frozenset({A, S}),
    Action.CREATE_RESET_TOKEN_COMMAND: frozenset({A}),
    Action.ROTATE_CREDENTIALS: frozenset({A}),
    Action.MANAGE_TENANT_LIFECYCLE: frozenset({A}),
    Action.READ_AUDIT_LOG: frozenset({A, S}),
    Action.VIEW_AS_TENANT: frozenset({A, S}),
    Action.ENABLE_DISPATCH: frozenset({A}),
    Action.MANAGE_TENANT_USERS: frozenset({TA}),
    Action.USE_DJANGO_ADMIN: frozenset({A, S}),
}

TENANT_SCOPED = frozenset({Action.VIEW_TENANT_DASHBOARD, Action.MANAGE_LEADS, Action.MANAGE_TENANT_USERS})


def tenant_role(user, tenant) -> Role | None:
    """The user's role in `tenant`, from Membership; cached on the user object for the request."""
    if user is None or not user.is_authenticated or tenant is None or not user.is_active:
        return None
    cache = user.__dict__.setdefault("_tenant_roles", {})
    if tenant.pk not in cache:
        membership = user.memberships.filter(tenant_id=tenant.pk).only("role").first()
        cache[tenant.pk] = Role(membership.role) if membership else None
    return cache[tenant.pk]


def internal_role(user) -> Role | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if "_internal_role" not in user.__dict__:
        user.__dict__["_internal_role"] = user.internal_role
    return user.__dict__["_internal_role"]


def is_internal(user) -> bool:
    return internal_role(user) is not None


def is_member(user, tenant) -> bool:
    return tenant_role(user, tenant) is not None


def can(user, action: Action, tenant=None) -> bool:
    """May `user` do `action` (on `tenant`, for tenant-scoped actions)?"""
    allowed = MATRIX[action]
    if action in TENANT_SCOPED:
        return tenant_role(user, tenant) in allowed
    return internal_role(user) in allowed
