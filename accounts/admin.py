"""Users and memberships in the Django admin. Role changes go through the audited services."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.admin_base import PolicyModelAdmin
from accounts.models import Membership, User
from accounts.roles import INTERNAL_ROLES, Role
from accounts.services import _last_admin, internal_role_set, membership_remove, membership_set


class MembershipInline(admin.TabularInline):
    """Shown for reference; memberships are changed in their own admin (audited)."""

    model = Membership
    extra = 0
    fields = ["tenant", "role", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OpsUserChangeForm(UserChangeForm):
    internal_role = forms.ChoiceField(
        choices=[("", _("None (not staff)")), *[(role.value, role.label) for role in INTERNAL_ROLES]],
        required=False,
        help_text=_("Staff access; is_staff and the groups follow it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "internal_role" in self.fields:
            role = self.instance.internal_role
            self.fields["internal_role"].initial = role.value if role else ""


@admin.register(User)
class UserAdmin(PolicyModelAdmin, DjangoUserAdmin):
    form = OpsUserChangeForm
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "last_login"]
    list_filter = ["is_active", "is_staff", "groups"]
    search_fields = ["email", "name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["name"]}),
        (_("Access"), {"fields": ["is_active", "internal_role", "is_staff", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "name", "password1", "password2"]})]
    # Roles change only through internal_role_set (which writes the audit event).
    readonly_fields = ["is_staff", "is_superuser", "groups", "last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "internal_role" in form.changed_data:
            value = form.cleaned_data["internal_role"]
            internal_role_set(user=obj, role=Role(value) if value else None, actor=request.user, request=request)


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "tenant", "role"]

    def clean(self):
        cleaned = super().clean()
        membership = self.instance
        if (
            membership.pk
            and membership.role == Role.TENANT_ADMIN
            and cleaned.get("role") != Role.TENANT_ADMIN
            and _last_admin(membership.tenant, membership)
        ):
            self.add_error("role", _("A tenant keeps at least one tenant admin."))
        return cleaned


@admin.register(Membership)
class MembershipAdmin(PolicyModelAdmin):
    form = MembershipAdminForm
    list_display = ["user", "tenant", "role", "created_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__email", "tenant__name", "tenant__slug"]
    autocomplete_fields = ["user", "tenant"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "tenant"] if obj is not None else []

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, through membership_remove
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.role == Role.TENANT_ADMIN and _last_admin(obj.tenant, obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        saved = membership_set(
            user=obj.user, tenant=obj.tenant, role=Role(obj.role), actor=request.user, request=request
        )
        obj.pk, obj.created_at = saved.pk, saved.created_at

    def delete_model(self, request, obj):
        membership_remove(user=obj.user, tenant=obj.tenant, actor=request.user, request=request)
