from rest_framework import serializers

from operations.models import Incident


class IncidentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = [
            "id",
            "severity",
            "title",
            "detail",
            "status",
            "source",
            "opened_at",
            "acknowledged_at",
            "resolved_at",
        ]


class InternalIncidentSerializer(IncidentSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    acknowledged_by = serializers.EmailField(source="acknowledged_by.email", default=None, read_only=True)
    resolved_by = serializers.EmailField(source="resolved_by.email", default=None, read_only=True)

    class Meta(IncidentSerializer.Meta):
        fields = ["tenant", *IncidentSerializer.Meta.fields, "acknowledged_by", "resolved_by"]
