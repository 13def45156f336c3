"""Agents report the requests they served: validated all-or-nothing, inserted in one statement."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from rest_framework import serializers

from agents.models import TenantAgent
from integrations.models import Integration
from usage.models import AgentRequest
from usage.rollup import dirty_days_mark

MAX_DURATION_MS = 600_000
MAX_TOKENS = 10_000_000
CLOCK_SKEW = timedelta(minutes=5)
OLDEST = timedelta(days=30)


class AgentRequestRowSerializer(serializers.Serializer):
    agent = serializers.SlugField(max_length=60, help_text="Agent type code of one of the tenant's agents")
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField(min_value=0, max_value=MAX_DURATION_MS)
    outcome = serializers.ChoiceField(choices=AgentRequest.Outcome.choices)
    tokens_in = serializers.IntegerField(min_value=0, max_value=MAX_TOKENS, default=0)
    tokens_out = serializers.IntegerField(min_value=0, max_value=MAX_TOKENS, default=0)
    channel = serializers.ChoiceField(choices=Integration.Kind.choices, required=False, allow_blank=True, default="")
    error_code = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")

    def validate_started_at(self, value):
        now = datetime.now(UTC)
        if value > now + CLOCK_SKEW:
            raise serializers.ValidationError("Must not be in the future.")
        if value < now - OLDEST:
            raise serializers.ValidationError(f"Must be within the last {OLDEST.days} days.")
        return value

    def validate(self, row):
        if row["outcome"] == AgentRequest.Outcome.SUCCESS and row["error_code"]:
            raise serializers.ValidationError({"error_code": "A successful request has no error code."})
        known = self.context["agents"]
        if row["agent"] not in known:
            raise serializers.ValidationError({"agent": f"“{row['agent']}” is not one of this tenant's agents."})
        return row


class IngestSerializer(serializers.Serializer):
    requests = serializers.ListField(
        child=serializers.DictField(), allow_empty=False, max_length=settings.INGEST_MAX_ROWS
    )


def rows_validate(*, rows: list[dict], agents: dict[str, int]) -> list[dict]:
    """Every row valid, or a ValidationError naming each bad row by index and field."""
    errors = {}
    valid = []
    for index, row in enumerate(rows):
        serializer = AgentRequestRowSerializer(data=row, context={"agents": agents})
        if serializer.is_valid():
            valid.append(serializer.validated_data)
        else:
            errors[str(index)] = serializer.errors
    if errors:
        raise serializers.ValidationError({"requests": errors})
    return valid


def agent_requests_ingest(*, rows: list[dict]) -> int:
    """Insert the reported requests of the current tenant (its schema is set); nothing on any error.

    The UTC days touched are marked dirty in the same transaction, so the scheduled roll-up
    recounts them even when they are older than the days it rolls up anyway.
    """
    agents = dict(TenantAgent.objects.select_related("agent_type").values_list("agent_type__code", "pk"))
    valid = rows_validate(rows=rows, agents=agents)
    with transaction.atomic():
        AgentRequest.objects.bulk_create(
            [
                AgentRequest(
                    agent_id=agents[row["agent"]],
                    started_at=row["started_at"],
                    duration_ms=row["duration_ms"],
                    outcome=row["outcome"],
                    tokens_in=row["tokens_in"],
                    tokens_out=row["tokens_out"],
                    channel=row["channel"],
                    error_code=row["error_code"],
                )
                for row in valid
            ],
            batch_size=len(valid),
        )
        dirty_days_mark(days=[row["started_at"].astimezone(UTC).date() for row in valid])
    return len(valid)
