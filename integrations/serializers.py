from rest_framework import serializers

from integrations.models import Integration


class IntegrationSerializer(serializers.ModelSerializer):
    """Health only: the credential's name and version stay server-side, never the secret."""

    class Meta:
        model = Integration
        fields = [
            "id",
            "kind",
            "name",
            "status",
            "last_check_at",
            "last_error",
            "token_version",
            "consecutive_auth_failures",
        ]
        read_only_fields = fields
