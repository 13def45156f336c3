from django.contrib import admin

from alquimista.admin_site import ReadOnlyPolicyModelAdmin
from operations.models import OperationalEvent


@admin.register(OperationalEvent)
class OperationalEventAdmin(ReadOnlyPolicyModelAdmin):
    """Read-only: the audit log is append-only, for the admin too."""

    list_display = ["created_at", "actor_email", "tenant", "action", "target_type", "target_id", "ip"]
    list_filter = ["action", "tenant"]
    search_fields = ["actor_email", "action", "target_id", "request_id"]
    date_hierarchy = "created_at"
