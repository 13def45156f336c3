from django.contrib import admin

from accounts.admin_base import PolicyModelAdmin, ReadOnlyPolicyModelAdmin
from audit.models import OperationalEvent
from operations.models import Incident


@admin.register(OperationalEvent)
class OperationalEventAdmin(ReadOnlyPolicyModelAdmin):
    """Read-only: the audit log is append-only, for the admin too."""

    list_display = ["created_at", "actor_email", "tenant_slug", "action", "target_type", "target_id", "ip"]
    list_filter = ["action", "tenant"]
    search_fields = ["actor_email", "action", "target_id", "request_id"]
    date_hierarchy = "created_at"


@admin.register(Incident)
class IncidentAdmin(PolicyModelAdmin):
    """Status is read-only here: acknowledging and resolving go through incident_transition (audited)."""

    list_display = ["opened_at", "tenant", "severity", "status", "title", "source"]
    list_filter = ["status", "severity", "source", "tenant"]
    search_fields = ["title", "detail", "tenant__name"]
    list_select_related = ["tenant"]
    readonly_fields = [
        "tenant",
        "status",
        "source",
        "dedupe_key",
        "opened_at",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
        "resolved_by",
    ]
