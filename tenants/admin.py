from django.contrib import admin

from accounts.admin_base import PolicyModelAdmin, ReadOnlyPolicyModelAdmin
from tenants.models import Domain, Plan, Tenant
from vault.models import SecretVersion


class DomainInline(admin.TabularInline):
    """Hosts are made with the tenant and follow its slug: shown, never edited by hand."""

    model = Domain
    extra = 0
    can_delete = False
    readonly_fields = ["domain", "is_primary"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Tenant)
class TenantAdmin(PolicyModelAdmin):
    list_display = ["name", "slug", "status", "plan", "owner_email", "sla", "created_at"]
    list_filter = ["status", "plan", "sla"]
    search_fields = ["name", "slug", "owner_email", "owner_name"]
    # The schema is created by tenants.services; its name never changes after that. Slug (the host),
    # status (suspend/resume/archive) and settings (the dispatch flag) change only through their audited
    # services in the company panel, never by hand here.
    readonly_fields = ["schema_name", "slug", "status", "settings", "created_at"]
    inlines = [DomainInline]

    def has_add_permission(self, request):
        # New tenants come from the provisioning service (schema, domain, secrets), not a bare row.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("plan")


@admin.register(Domain)
class DomainAdmin(ReadOnlyPolicyModelAdmin):
    list_display = ["domain", "tenant", "is_primary"]
    search_fields = ["domain", "tenant__name"]


@admin.register(Plan)
class PlanAdmin(PolicyModelAdmin):
    billing_fields = ("monthly_price", "overage_price_per_1k_tokens")
    list_display = [
        "code",
        "name",
        "monthly_price",
        "requests_per_month",
        "tokens_per_month",
        "max_agents",
        "max_integrations",
    ]
    search_fields = ["code", "name"]


@admin.register(SecretVersion)
class SecretVersionAdmin(ReadOnlyPolicyModelAdmin):
    """Names, versions and tags only: the ciphertext is never shown."""

    list_display = ["name", "version", "current", "created_at", "created_by"]
    list_filter = ["current"]
    search_fields = ["name"]
    fields = ["name", "version", "current", "tags", "created_at", "created_by"]
