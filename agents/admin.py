from django.contrib import admin

from agents.models import AgentType
from accounts.admin_base import PolicyModelAdmin


@admin.register(AgentType)
class AgentTypeAdmin(PolicyModelAdmin):
    list_display = ["code", "name", "price_per_1k_tokens"]
    search_fields = ["code", "name"]
