from django.conf import settings
from django.db import models


class OperationalEvent(models.Model):
    """The audit log: who did what, to which tenant and object, when. Append-only.

    A database trigger refuses UPDATE and DELETE, so not even a bug or a shell can
    rewrite history; retention purges of other tables never cascade here (SET_NULL).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too: the event must still say who it was after the user is deleted.
    actor_email = models.CharField(max_length=254, blank=True)
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Kept as text too: the event must still say which tenant after the tenant is deleted.
    tenant_slug = models.CharField(max_length=63, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=80, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        # The table keeps its first name: the append-only triggers (operations/migrations 0002, 0006) guard it.
        db_table = "operations_operationalevent"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"]),
            models.Index(fields=["actor", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email or 'system'} {self.action}"
