"""Agents report the requests they served: validated all-or-nothing, inserted in one statement.

A row may carry the client's `event_id`; it is unique per tenant, so a resent batch is counted once
(INSERT … ON CONFLICT DO NOTHING against the partial unique index agentrequest_event_unique).
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agents.models import TenantAgent
from core.api.inputs import text_field
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
    event_id = text_field(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="The client's id for this event: unique per tenant, a resent one is counted once",
    )

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
    """Every row valid, or a ValidationError naming each bad row by index and field.

    An `event_id` given twice in one batch is an error on the later row (the batch is one report).
    """
    errors = {}
    valid = []
    first_row_of = {}
    for index, row in enumerate(rows):
        serializer = AgentRequestRowSerializer(data=row, context={"agents": agents})
        if not serializer.is_valid():
            errors[str(index)] = serializer.errors
            continue
        valid.append(serializer.validated_data)
        event_id = serializer.validated_data["event_id"]
        if event_id and event_id in first_row_of:
            message = _("Repeats the event_id of row %(row)d.") % {"row": first_row_of[event_id]}
            errors[str(index)] = {"event_id": [message]}
        first_row_of.setdefault(event_id, index)
    if errors:
        raise serializers.ValidationError({"requests": errors})
    return valid


COLUMNS = ("agent_id", "started_at", "duration_ms", "outcome", "tokens_in", "tokens_out", "channel", "error_code")

INSERT_SQL = "INSERT INTO {table} ({columns}, event_id) VALUES {values} ON CONFLICT DO NOTHING RETURNING started_at"


def _rows_insert(*, valid: list[dict], agents: dict[str, int]) -> list[datetime]:
    """One multi-row INSERT; rows whose event_id the tenant already has are skipped. The inserted rows' times."""
    table = connection.ops.quote_name(AgentRequest._meta.db_table)
    placeholders = "(" + ", ".join(["%s"] * (len(COLUMNS) + 1)) + ")"
    params = []
    for row in valid:
        params.extend([agents[row["agent"]], *(row[name] for name in COLUMNS[1:]), row["event_id"]])
    sql = INSERT_SQL.format(table=table, columns=", ".join(COLUMNS), values=", ".join([placeholders] * len(valid)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [started_at for (started_at,) in cursor.fetchall()]


def agent_requests_ingest(*, rows: list[dict]) -> dict[str, int]:
    """Insert the reported requests of the current tenant (its schema is set); nothing on any error.

    Returns {"accepted": rows inserted, "duplicates": rows whose event_id was already stored}.
    The UTC days touched are marked dirty in the same transaction, so the scheduled roll-up
    recounts them even when they are older than the days it rolls up anyway.
    """
    agents = dict(TenantAgent.objects.select_related("agent_type").values_list("agent_type__code", "pk"))
    valid = rows_validate(rows=rows, agents=agents)
    with transaction.atomic():
        inserted = _rows_insert(valid=valid, agents=agents)
        dirty_days_mark(days=[started_at.astimezone(UTC).date() for started_at in inserted])
    return {"accepted": len(inserted), "duplicates": len(valid) - len(inserted)}
