from django.contrib import admin

from accounts.admin_base import ReadOnlyPolicyModelAdmin
from usage.models import UsageDaily


@admin.register(UsageDaily)
class UsageDailyAdmin(ReadOnlyPolicyModelAdmin):
    """Derived by the roll-up: corrected by re-running it, never by hand."""

    billing_fields = ("cost",)

    list_display = ["day", "tenant", "agent_type", "requests", "errors", "timeouts", "tokens_in", "tokens_out", "cost"]
    list_filter = ["agent_type", "tenant"]
    date_hierarchy = "day"
    list_select_related = ["tenant", "agent_type"]
