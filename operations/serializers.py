from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit.models import OperationalEvent
from integrations.models import Integration
from operations.commands_models import Command, CommandStatus, CommandType
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
        read_only_fields = fields


class InternalIncidentSerializer(IncidentSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    acknowledged_by = serializers.EmailField(
        source="acknowledged_by.email", default=None, allow_null=True, read_only=True
    )
    resolved_by = serializers.EmailField(source="resolved_by.email", default=None, allow_null=True, read_only=True)

    class Meta(IncidentSerializer.Meta):
        fields = ["tenant", *IncidentSerializer.Meta.fields, "acknowledged_by", "resolved_by"]
        read_only_fields = fields


class CommandParametersSerializer(serializers.Serializer):
    """The parameters each command type takes; any other key is a 400 naming it."""

    integration_id = serializers.IntegerField(min_value=1, required=False, help_text="RESET_TOKEN (required).")
    agent_id = serializers.IntegerField(min_value=1, required=False, help_text="RESTART_AGENT (required).")
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="RESTART_AGENT (optional)."
    )
    channel = serializers.ChoiceField(
        choices=Integration.Kind.values, required=False, help_text="REPROCESS_QUEUE (optional): one channel only."
    )
    since = serializers.DateTimeField(
        required=False, help_text="REPROCESS_QUEUE (optional): ISO 8601 with a time zone."
    )
    include_uncertain = serializers.BooleanField(
        required=False, help_text="REPROCESS_QUEUE (optional): also messages that were maybe sent."
    )


@extend_schema_field(CommandParametersSerializer)
class CommandParametersField(serializers.DictField):
    """A JSON object, checked key by key against the command type by the service (HEALTH_CHECK takes none)."""


class CommandProgressSerializer(serializers.Serializer):
    percent = serializers.IntegerField(min_value=0, max_value=100)
    message = serializers.CharField(allow_blank=True)


class CommandSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    parameters = CommandParametersField(read_only=True)
    progress = serializers.SerializerMethodField()
    output = serializers.DictField(
        read_only=True,
        allow_null=True,
        help_text="The handler's result once finished: `checks` and `summary` (HEALTH_CHECK), the new "
        "`token_version` (RESET_TOKEN), the agent's `status` and `restart_count` (RESTART_AGENT), "
        "`queues` and `requeued` (REPROCESS_QUEUE); null before.",
    )
    created_by = serializers.EmailField(source="created_by.email", default=None, allow_null=True, read_only=True)
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

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

    @extend_schema_field(CommandProgressSerializer)
    def get_progress(self, command) -> dict:
        return {"percent": command.progress_percent, "message": command.progress_message}


class CommandCreateSerializer(serializers.Serializer):
    tenant_id = serializers.IntegerField(min_value=1)
    type = serializers.ChoiceField(choices=CommandType.choices)
    parameters = CommandParametersField(required=False, default=dict)
    idempotency_key = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class BatchCreateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=CommandType.choices)
    parameters = CommandParametersField(required=False, default=dict)
    tenant_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    status = serializers.CharField(required=False, help_text="instead of tenant_ids: all tenants with this status")
    plan = serializers.CharField(required=False, help_text="… and/or on this plan")
    concurrency = serializers.IntegerField(min_value=1, max_value=50, default=5)

    def validate(self, data):
        if not data.get("tenant_ids") and not data.get("status") and not data.get("plan"):
            raise serializers.ValidationError({"tenant_ids": "Give tenant_ids, or a status and/or plan filter."})
        return data


class BatchCountsSerializer(serializers.Serializer):
    """How many of the batch's commands are in each status."""

    vars().update({status: serializers.IntegerField(min_value=0) for status in CommandStatus.values})


class BatchSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    total = serializers.IntegerField(min_value=0)
    done = serializers.IntegerField(min_value=0, help_text="Finished: succeeded, failed or cancelled.")
    percent = serializers.IntegerField(min_value=0, max_value=100)
    counts = BatchCountsSerializer()


class BatchDetailSerializer(BatchSerializer):
    type = serializers.ChoiceField(choices=CommandType.choices)
    selection = serializers.CharField(allow_blank=True, help_text="The tenant selection the batch was created with.")
    concurrency = serializers.IntegerField(min_value=1, max_value=50)
    commands = CommandSerializer(many=True, help_text="One per tenant, by tenant name.")


class EventSerializer(serializers.ModelSerializer):
    tenant = serializers.CharField(source="tenant_slug", read_only=True)
    before = serializers.DictField(
        read_only=True, allow_null=True, help_text="What the action changed, as it was (null: nothing to compare)."
    )
    after = serializers.DictField(
        read_only=True, allow_null=True, help_text="What the action changed, as it became (null: nothing recorded)."
    )

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
