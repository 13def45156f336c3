from rest_framework import serializers

from audit.models import OperationalEvent
from operations.commands_models import Command, CommandType
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


class CommandSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    progress = serializers.SerializerMethodField()
    created_by = serializers.EmailField(source="created_by.email", default=None, read_only=True)
    duration_seconds = serializers.FloatField(read_only=True)

    class Meta:
        model = Command
        fields = [
            "id",
            "tenant",
            "tenant_id",
            "type",
            "parameters",
            "status",
            "progress",
            "output",
            "error_message",
            "attempts",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "idempotency_key",
            "retry_of",
            "batch",
        ]
        read_only_fields = fields

    def get_progress(self, command) -> dict:
        return {"percent": command.progress_percent, "message": command.progress_message}


class CommandCreateSerializer(serializers.Serializer):
    tenant_id = serializers.IntegerField(min_value=1)
    type = serializers.ChoiceField(choices=CommandType.choices)
    parameters = serializers.DictField(required=False, default=dict)
    idempotency_key = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class BatchCreateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=CommandType.choices)
    parameters = serializers.DictField(required=False, default=dict)
    tenant_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    status = serializers.CharField(required=False, help_text="instead of tenant_ids: all tenants with this status")
    plan = serializers.CharField(required=False, help_text="… and/or on this plan")
    concurrency = serializers.IntegerField(min_value=1, max_value=50, default=5)

    def validate(self, data):
        if not data.get("tenant_ids") and not data.get("status") and not data.get("plan"):
            raise serializers.ValidationError({"tenant_ids": "Give tenant_ids, or a status and/or plan filter."})
        return data


class EventSerializer(serializers.ModelSerializer):
    tenant = serializers.CharField(source="tenant_slug", read_only=True)

    class Meta:
        model = OperationalEvent
        fields = [
            "id",
            "created_at",
            "actor_email",
            "tenant",
            "action",
            "target_type",
            "target_id",
            "before",
            "after",
            "request_id",
            "ip",
        ]
        read_only_fields = fields
