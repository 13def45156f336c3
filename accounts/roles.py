"""The four roles. Internal roles are Django groups; tenant roles live on Membership."""

from django.db import models


class Role(models.TextChoices):
    INTERNAL_ADMIN = "INTERNAL_ADMIN", "Internal admin"
    INTERNAL_SUPPORT = "INTERNAL_SUPPORT", "Internal support"
    TENANT_ADMIN = "TENANT_ADMIN", "Tenant admin"
    TENANT_USER = "TENANT_USER", "Tenant user"


INTERNAL_ROLES = (Role.INTERNAL_ADMIN, Role.INTERNAL_SUPPORT)
TENANT_ROLES = (Role.TENANT_ADMIN, Role.TENANT_USER)
