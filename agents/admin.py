from django.contrib import admin

from accounts.admin_base import PolicyModelAdmin
from agents.models import AgentType


@admin.register(AgentType)
class AgentTypeAdmin(PolicyModelAdmin):
    """The catalogue. Not deletable here: contracted agents in every tenant's schema refer to it."""

    billing_fields = ("price_per_1k_tokens",)
    list_display = ["code", "name", "price_per_1k_tokens"]
    search_fields = ["code", "name"]
