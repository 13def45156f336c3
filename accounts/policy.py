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
    MANAGE_ANY_TENANT_API_KEYS = "manage_any_tenant_api_keys"
    INGEST_AGENT_REQUESTS = "ingest_agent_requests"
    MANAGE_WEBHOOKS = "manage_webhooks"
    MANAGE_COMPANY_WEBHOOKS = "manage_company_webhooks"


A, S, TA, TU = Role.INTERNAL_ADMIN, Role.INTERNAL_SUPPORT, Role.TENANT_ADMIN, Role.TENANT_USER

MATRIX: dict[Action, frozenset[Role]] = {
    Action.VIEW_TENANT_DASHBOARD: frozenset({TA, TU}),
    Action.MANAGE_LEADS: frozenset({TA}),
    Action.VIEW_COMPANY_PANEL: frozenset({A, S}),
    # Prices and costs are billing: plan and agent prices, usage cost, MRR. Staff see them only with this
    # action, on every surface (pages, API, admin, CSV), viewing as a tenant included; see may_see_cost.
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
    # Issuing credentials for a tenant is credential management: admins only.
    Action.MANAGE_ANY_TENANT_API_KEYS: frozenset({A}),
    # Only API keys with the ingest scope report agent requests (see KEY_SCOPE_ACTIONS).
    Action.INGEST_AGENT_REQUESTS: frozenset(),
    # Where a tenant's events are sent (its outbound webhooks): its admins; the company's: internal admins.
    Action.MANAGE_WEBHOOKS: frozenset({TA}),
    Action.MANAGE_COMPANY_WEBHOOKS: frozenset({A}),
}

TENANT_SCOPED = frozenset(
    {
        Action.VIEW_TENANT_DASHBOARD,
        Action.MANAGE_LEADS,
        Action.MANAGE_TENANT_USERS,
        Action.INGEST_AGENT_REQUESTS,
        Action.MANAGE_WEBHOOKS,
    }
)

# What an API key may do, by scope, on its own tenant only.
KEY_SCOPE_ACTIONS: dict[str, frozenset[Action]] = {
    "read": frozenset({Action.VIEW_TENANT_DASHBOARD}),
    "ingest": frozenset({Action.INGEST_AGENT_REQUESTS}),
}


# What a staff member's personal access token may do, by scope: never more than its owner's role allows,
# never tenant-scoped actions, never the pages-only ones (view-as, the Django admin).
TOKEN_SCOPE_ACTIONS: dict[str, frozenset[Action]] = {
    "read": frozenset({Action.VIEW_COMPANY_PANEL, Action.READ_AUDIT_LOG}),
    "commands": frozenset({Action.CREATE_BASIC_COMMAND, Action.CREATE_RESET_TOKEN_COMMAND, Action.ROTATE_CREDENTIALS}),
    "lifecycle": frozenset({Action.MANAGE_TENANT_LIFECYCLE, Action.ENABLE_DISPATCH}),
    "billing": frozenset({Action.VIEW_BILLING}),
    "keys": frozenset({Action.MANAGE_ANY_TENANT_API_KEYS}),
}


# What staff may do while viewing a tenant "as the tenant": read, nothing else.
VIEW_AS_ACTIONS = frozenset({Action.VIEW_TENANT_DASHBOARD})


def _viewing_as(user, tenant) -> bool:
    """Set by ViewAsMiddleware for a live, audited view-as session on this tenant."""
    return tenant is not None and user.__dict__.get("_view_as_tenant_id") == tenant.pk and is_internal(user)


def _key_may(principal, action: Action, tenant) -> bool:
    if tenant is None or principal.key.tenant_id != tenant.pk:
        return False
    return any(action in KEY_SCOPE_ACTIONS.get(scope, ()) for scope in principal.scopes)


def tenant_role(user, tenant) -> Role | None:
    """The user's role in `tenant`, from Membership; cached on the user object for the request."""
    if user is None or not user.is_authenticated or tenant is None or not user.is_active or user.pk is None:
        return None
    cache = user.__dict__.setdefault("_tenant_roles", {})
    if tenant.pk not in cache:
        membership = user.memberships.filter(tenant_id=tenant.pk).only("role").first()
        cache[tenant.pk] = Role(membership.role) if membership else None
    return cache[tenant.pk]


def internal_role(user) -> Role | None:
    if user is None or not user.is_authenticated or not user.is_active or user.pk is None:
        return None
    if "_internal_role" not in user.__dict__:
        user.__dict__["_internal_role"] = user.internal_role
    return user.__dict__["_internal_role"]


def is_internal(user) -> bool:
    return internal_role(user) is not None


def is_member(user, tenant) -> bool:
    """Belongs to `tenant`: a member, an API key of that tenant, or staff viewing as it."""
    if hasattr(user, "key"):
        return tenant is not None and user.key.tenant_id == tenant.pk
    return tenant_role(user, tenant) is not None or _viewing_as(user, tenant)


def can(user, action: Action, tenant=None) -> bool:
    """May `user` do `action` (on `tenant`, for tenant-scoped actions)? A user authenticated by a staff
    token (`_token_scopes`, set by accounts.staff_tokens) is held to the token's scopes as well."""
    if hasattr(user, "key"):  # an API key principal
        return _key_may(user, action, tenant)
    token_scopes = user.__dict__.get("_token_scopes")
    if token_scopes is not None and not any(action in TOKEN_SCOPE_ACTIONS.get(s, ()) for s in token_scopes):
        return False
    allowed = MATRIX[action]
    if action in VIEW_AS_ACTIONS and _viewing_as(user, tenant):
        return True
    if action in TENANT_SCOPED:
        return tenant_role(user, tenant) in allowed
    return internal_role(user) in allowed


def may_see_cost(user, tenant=None) -> bool:
    """May `user` see prices and costs (of `tenant`, when the figures are one tenant's)?

    Cost is billing: staff see it only with VIEW_BILLING, whatever they are looking at (company pages,
    the internal API, the admin, a CSV, a tenant's dashboard while viewing as it). A tenant's own
    members and API keys see their own tenant's usage cost: it is what they are billed.
    """
    if hasattr(user, "key"):
        return tenant is not None and user.key.tenant_id == tenant.pk
    return tenant_role(user, tenant) is not None or can(user, Action.VIEW_BILLING)
