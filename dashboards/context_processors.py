from accounts.policy import Action, can, internal_role, tenant_role


def navigation(request):
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    if tenant is None or user is None:
        return {}
    on_public = tenant.is_public
    role = internal_role(user) if on_public else tenant_role(user, tenant)
    return {
        "on_public_host": on_public,
        "current_tenant": None if on_public else tenant,
        "current_role": role,
        "view_as": getattr(request, "view_as", None),
        "may": {action.value: can(user, action, tenant) for action in Action},
    }
