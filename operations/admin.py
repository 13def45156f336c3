from django.contrib import admin

from alquimista.admin_site import PolicyModelAdmin
from operations.models import OperationalEvent


@admin.register(OperationalEvent)
class OperationalEventAdmin(PolicyModelAdmin):
    """Read-only: the audit log is append-only, for the admin too."""

    list_display = ["created_at", "actor_email", "tenant", "action", "target_type", "target_id", "ip"]
    list_filter = ["action", "tenant"]
    search_fields = ["actor_email", "action", "target_id", "request_id"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
