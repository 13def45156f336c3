"""The Django admin, asking the policy: staff open it, only INTERNAL_ADMIN changes anything."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from accounts.policy import Action, can


class OpsAdminSite(admin.AdminSite):
    site_header = "Alquimista Ops admin"
    site_title = "Alquimista Ops admin"

    def has_permission(self, request):
        return request.user.is_active and can(request.user, Action.USE_DJANGO_ADMIN)


class OpsAdminConfig(AdminConfig):
    default_site = "alquimista.admin_site.OpsAdminSite"


class PolicyModelAdmin(admin.ModelAdmin):
    """Support reads; admins write. Subclasses may narrow further (read-only models)."""

    def has_module_permission(self, request):
        return can(request.user, Action.USE_DJANGO_ADMIN)

    def has_view_permission(self, request, obj=None):
        return can(request.user, Action.USE_DJANGO_ADMIN)

    def has_change_permission(self, request, obj=None):
        return can(request.user, Action.MANAGE_TENANT_LIFECYCLE)

    def has_add_permission(self, request):
        return can(request.user, Action.MANAGE_TENANT_LIFECYCLE)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, Action.MANAGE_TENANT_LIFECYCLE)


class ReadOnlyPolicyModelAdmin(PolicyModelAdmin):
    """For records nobody edits by hand (audit events, secret versions): staff may only look."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name in self.get_fields(request, obj)]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
