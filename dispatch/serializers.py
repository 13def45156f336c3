from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rest_framework import serializers

from dispatch.decision import valid_phone
from dispatch.models import DispatchDecision, DispatchRun, Lead


class LeadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "phone",
            "email",
            "whatsapp_opt_in",
            "email_opt_in",
            "preferred_channel",
            "wants_meeting",
            "time_zone",
            "status",
            "last_contacted_at",
            "source",
            "created_at",
        ]
        read_only_fields = ["id", "last_contacted_at", "created_at"]

    def validate_phone(self, value):
        if value and not valid_phone(value):
            raise serializers.ValidationError("Use E.164: + and country code, e.g. +5511987654321.")
        return value

    def validate_time_zone(self, value):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise serializers.ValidationError(f"Unknown time zone “{value}”.") from None
        return value

    def validate(self, data):
        phone = data.get("phone", getattr(self.instance, "phone", ""))
        email = data.get("email", getattr(self.instance, "email", ""))
        if not phone and not email:
            raise serializers.ValidationError({"phone": "Give a phone or an e-mail."})
        return data


class DispatchRunSerializer(serializers.ModelSerializer):
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Decisions so far per `channel:<channel>` and per `reason:<reason code>`.",
    )

    class Meta:
        model = DispatchRun
        fields = [
            "id",
            "started_by_email",
            "dry_run",
            "batch_size",
            "status",
            "processed",
            "counts",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class DispatchRunCreateSerializer(serializers.Serializer):
    batch_size = serializers.IntegerField(min_value=1, max_value=5000, default=100)
    dry_run = serializers.BooleanField(default=True)


class DispatchDecisionSerializer(serializers.ModelSerializer):
    lead_name = serializers.CharField(source="lead.name", read_only=True)

    class Meta:
        model = DispatchDecision
        fields = [
            "id",
            "run",
            "lead",
            "lead_name",
            "channel",
            "reason_code",
            "reason",
            "message",
            "dry_run",
            "sent",
            "error",
            "created_at",
        ]
        read_only_fields = fields


class LeadImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A UTF-8 CSV of at most 2 MB and 5,000 leads. Its first line names the columns: `name` and any of "
        "phone, email, whatsapp_opt_in, email_opt_in, preferred_channel, wants_meeting, time_zone, source "
        "(flags: 1, true, yes, y, sim or s)."
    )


class LeadImportResultSerializer(serializers.Serializer):
    imported = serializers.IntegerField(help_text="Leads created: every row of the file.")


class DispatchFlagSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="true or false (JSON booleans only).")


class DispatchStateSerializer(serializers.Serializer):
    tenant = serializers.SlugField(help_text="The tenant's slug.")
    flag = serializers.BooleanField(help_text="The tenant's own dispatch flag.")
    effective = serializers.BooleanField(
        help_text="Whether the tenant may really send now: its flag and every other check."
    )
    leads = serializers.IntegerField()
    last_run = DispatchRunSerializer(allow_null=True)
