from django.db import models
from django.db.models import Q


class SecretVersion(models.Model):
    """One version of a secret in the local store. The value is Fernet-encrypted."""

    name = models.CharField(max_length=255)
    version = models.PositiveIntegerField()
    ciphertext = models.BinaryField()
    tags = models.JSONField(default=dict)
    current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=255, blank=True)

    class Meta:
        # The table keeps its first name (it was created by the tenants app).
        db_table = "tenants_secretversion"
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="secret_name_version_unique"),
            models.UniqueConstraint(fields=["name"], condition=Q(current=True), name="secret_one_current_version"),
        ]
        indexes = [models.Index(fields=["name", "current"])]

    def __repr__(self):
        return f"<SecretVersion {self.name} v{self.version}{'' if self.current else ' superseded'}>"

    def __str__(self):
        return repr(self)
