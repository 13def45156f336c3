"""The base of every model admin: staff may look, only INTERNAL_ADMIN writes, and every write is audited."""

from django.contrib import admin
from django_tenants.utils import get_tenant_model

from accounts.policy import Action, can
from audit.services import event_record


def _tenant_of(obj):
    if isinstance(obj, get_tenant_model()):
        return obj
    return getattr(obj, "tenant", None) if hasattr(obj, "tenant_id") else None


class PolicyModelAdmin(admin.ModelAdmin):
    """Support reads; admins write, and every write is in the audit log. Subclasses may narrow further."""

    def _audit(self, request, obj, verb: str, fields: list[str]) -> None:
        event_record(
            action=f"admin.{self.model._meta.model_name}.{verb}",
            actor=request.user,
            tenant=_tenant_of(obj),
            target_type=self.model._meta.label_lower,
            target_id=obj.pk,
            after={"fields": sorted(fields)} if fields else None,  # names only: values may be sensitive
            request=request,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._audit(request, obj, "changed" if change else "added", list(form.changed_data))

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        obj.pk = pk
        self._audit(request, obj, "deleted", [])

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
