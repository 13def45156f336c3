from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from accounts.policy import TENANT_SCOPED, can, is_member


class PolicyPermission(BasePermission):
    """Asks accounts.policy for the view's `required_action` (or per-method `required_actions`).

    401 without credentials; 404 to someone from another tenant (not revealing this one
    exists); 403 to a member or staff member without the right.
    """

    def has_permission(self, request, view):
        action = view.action_for(request.method)
        user = request.user
        if user is None or not user.is_authenticated:
            raise exceptions.NotAuthenticated()
        tenant = request.tenant
        if can(user, action, tenant):
            return True
        if action in TENANT_SCOPED and not is_member(user, tenant):
            raise exceptions.NotFound()
        raise exceptions.PermissionDenied()
