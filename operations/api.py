"""Operations endpoints: commands, batches and the audit log (staff); incidents (a tenant's own, and staff's)."""

import json

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from accounts.policy import Action
from audit.selectors import event_list
from core.api.inputs import IdField, body_input, choice_filter, query_input, text_filter
from core.api.schema import ContractSchema, ErrorSerializer
from core.api.views import TENANT_READ_SECONDS, PolicyAPIView
from core.csv_export import csv_response
from core.tenancy import customer_tenant_or_404
from operations.commands import (
    batch_create,
    batch_summary,
    batch_tenants,
    command_cancel,
    command_create,
    command_retry,
)
from operations.commands_models import Command, CommandBatch, CommandStatus, CommandType
from operations.models import Incident
from operations.selectors import command_list, incident_list
from operations.serializers import (
    BatchCreateSerializer,
    BatchDetailSerializer,
    BatchSerializer,
    CommandCreateSerializer,
    CommandSerializer,
    EventSerializer,
    IncidentSerializer,
    InternalIncidentSerializer,
)
from operations.services import incident_transition
from tenants.models import Tenant


class CommandFilter(serializers.Serializer):
    tenant = IdField(required=False)
    type = choice_filter(CommandType.values)
    status = choice_filter(CommandStatus.values)
    created_by = text_filter(max_length=254)
    vars()["from"] = serializers.DateField(required=False)
    to = serializers.DateField(required=False)


class EventFilter(serializers.Serializer):
    tenant = IdField(required=False)
    actor = text_filter(max_length=254)
    action = text_filter(max_length=80)
    vars()["from"] = serializers.DateField(required=False)
    to = serializers.DateField(required=False)
    export = choice_filter(["csv"])


class IncidentFilter(serializers.Serializer):
    status = choice_filter(Incident.Status.values)
    severity = choice_filter(Incident.Severity.values)


class InternalIncidentFilter(IncidentFilter):
    tenant = IdField(required=False)


def _tenant_or_none(tenant_id):
    return customer_tenant_or_404(tenant_id) if tenant_id is not None else None


class CommandsView(PolicyAPIView):
    """List commands (filters: tenant, type, status, created_by, from, to) or create one."""

    required_actions = {"GET": Action.VIEW_COMPANY_PANEL, "POST": Action.CREATE_BASIC_COMMAND}
    serializer_class = CommandSerializer
    list_view = True
    filter_backends = ()

    @extend_schema(summary="List commands, newest first", parameters=[CommandFilter])
    def get(self, request):
        params = query_input(request, CommandFilter)
        commands = command_list(
            tenant=_tenant_or_none(params.get("tenant")),
            command_type=params["type"],
            status=params["status"],
            created_by=params["created_by"],
            since=params.get("from"),
            until=params.get("to"),
        )
        page = self.paginate_queryset(commands)
        return self.get_paginated_response(CommandSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a command on one tenant",
        description="Validated, then queued for a worker. An idempotency key (the body's `idempotency_key`, else "
        "the `Idempotency-Key` header) reused by the same user within 24 hours for the same tenant, type and "
        "parameters answers 200 with the existing command; reused for a different request, 409.",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Used when the body has no `idempotency_key` (at most 100 characters are kept).",
            )
        ],
        request=CommandCreateSerializer,
        responses={
            201: OpenApiResponse(CommandSerializer, description="Created and queued."),
            200: OpenApiResponse(CommandSerializer, description="The command this idempotency key already created."),
            409: OpenApiResponse(ErrorSerializer, description="This idempotency key already created another command."),
        },
        examples=[
            OpenApiExample(
                "Reset an integration's token",
                value={"tenant_id": 7, "type": "RESET_TOKEN", "parameters": {"integration_id": 3}},
                request_only=True,
            ),
            OpenApiExample(
                "Reprocess one channel's failed queue",
                value={
                    "tenant_id": 7,
                    "type": "REPROCESS_QUEUE",
                    "parameters": {"channel": "whatsapp", "since": "2026-11-20T00:00:00Z"},
                    "idempotency_key": "reprocess-acme-2026-11-20",
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request):
        data = body_input(request, CommandCreateSerializer)
        tenant = Tenant.objects.customers().filter(pk=data["tenant_id"]).first()
        if tenant is None:
            raise exceptions.ValidationError({"tenant_id": ["No such tenant."]})
        command, created = command_create(
            tenant=tenant,
            command_type=data["type"],
            parameters=data["parameters"],
            actor=request.user,
            idempotency_key=data["idempotency_key"] or request.headers.get("Idempotency-Key", ""),
            request=request,
        )
        return Response(
            CommandSerializer(command).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class CommandDetailView(PolicyAPIView):
    required_action = Action.VIEW_COMPANY_PANEL
    serializer_class = CommandSerializer

    @extend_schema(summary="Get a command, with its progress and output")
    def get(self, request, command_id):
        return Response(
            CommandSerializer(
                get_object_or_404(Command.objects.select_related("tenant", "created_by"), pk=command_id)
            ).data
        )


class CommandCancelView(PolicyAPIView):
    required_action = Action.CREATE_BASIC_COMMAND
    serializer_class = CommandSerializer

    @extend_schema(
        summary="Cancel a pending command",
        description="Only a PENDING command can be cancelled; any other status is a 400 naming `status`.",
        request=None,
        responses={200: CommandSerializer},
    )
    def post(self, request, command_id):
        command = get_object_or_404(Command, pk=command_id)
        command = command_cancel(command=command, actor=request.user, request=request)
        return Response(CommandSerializer(command).data)


class CommandRetryView(PolicyAPIView):
    required_action = Action.CREATE_BASIC_COMMAND
    serializer_class = CommandSerializer

    @extend_schema(
        summary="Retry a failed or cancelled command",
        description="Creates and queues a new command (its `retry_of` names this one); only an ERROR or "
        "CANCELLED command can be retried, any other status is a 400 naming `status`.",
        request=None,
        responses={201: CommandSerializer},
    )
    def post(self, request, command_id):
        command = get_object_or_404(Command, pk=command_id)
        retry = command_retry(command=command, actor=request.user, request=request)
        return Response(CommandSerializer(retry).data, status=status.HTTP_201_CREATED)


class BatchesView(PolicyAPIView):
    """Run one command type for several tenants: a selection, or every tenant with a status and/or plan."""

    required_action = Action.CREATE_BASIC_COMMAND
    serializer_class = BatchCreateSerializer

    @extend_schema(
        summary="Run one command type on several tenants",
        description="Every tenant's parameters are validated first (nothing is created if one is invalid; the "
        "error names `<tenant slug>.<parameter>`); then one command per tenant, `concurrency` queued at once.",
        request=BatchCreateSerializer,
        responses={201: BatchSerializer},
        examples=[
            OpenApiExample(
                "Health check on every active tenant of a plan",
                value={"type": "HEALTH_CHECK", "status": "active", "plan": "pro", "concurrency": 5},
                request_only=True,
            ),
            OpenApiExample(
                "Health check on two tenants",
                value={"type": "HEALTH_CHECK", "tenant_ids": [7, 9]},
                request_only=True,
            ),
        ],
    )
    def post(self, request):
        data = body_input(request, BatchCreateSerializer)
        if data.get("tenant_ids"):
            if Tenant.objects.customers().filter(pk__in=data["tenant_ids"]).count() != len(set(data["tenant_ids"])):
                raise exceptions.ValidationError({"tenant_ids": ["Some ids are not tenants."]})
        tenants = batch_tenants(
            tenant_ids=data.get("tenant_ids"), status=data.get("status", ""), plan=data.get("plan", "")
        )
        selection = ", ".join(f"{k}={data[k]}" for k in ("tenant_ids", "status", "plan") if data.get(k))
        batch = batch_create(
            command_type=data["type"],
            tenants=tenants,
            parameters=data["parameters"],
            concurrency=data["concurrency"],
            actor=request.user,
            selection=selection,
            request=request,
        )
        return Response({"id": str(batch.pk), **batch_summary(batch)}, status=status.HTTP_201_CREATED)


class BatchDetailView(PolicyAPIView):
    required_action = Action.VIEW_COMPANY_PANEL
    serializer_class = BatchDetailSerializer

    @extend_schema(summary="Get a batch's progress and its commands")
    def get(self, request, batch_id):
        batch = get_object_or_404(CommandBatch, pk=batch_id)
        commands = batch.commands.select_related("tenant", "created_by").order_by("tenant__name")
        return Response(
            {
                "id": str(batch.pk),
                "type": batch.type,
                "selection": batch.selection,
                "concurrency": batch.concurrency,
                **batch_summary(batch),
                "commands": CommandSerializer(commands, many=True).data,
            }
        )


# The export's columns are the API's fields, without the row id.
EVENT_CSV_HEADER = [field for field in EventSerializer.Meta.fields if field != "id"]


def _event_csv_row(event) -> list:
    return [
        event.created_at.isoformat(),
        event.actor_email,
        event.tenant_slug,
        event.action,
        event.target_type,
        event.target_id,
        None if event.before is None else json.dumps(event.before, sort_keys=True),
        None if event.after is None else json.dumps(event.after, sort_keys=True),
        event.request_id,
        event.ip,
    ]


class CsvExportSchema(ContractSchema):
    """A paginated list whose `?export=csv` answers the whole list as one CSV text, never a page of it."""

    def _is_list_view(self, serializer=None) -> bool:
        return serializer is not OpenApiTypes.STR and super()._is_list_view(serializer)


class EventsView(PolicyAPIView):
    """The audit log (filters: tenant, actor, action prefix, from, to); `?export=csv` downloads it."""

    required_action = Action.READ_AUDIT_LOG
    serializer_class = EventSerializer
    list_view = True
    filter_backends = ()
    schema = CsvExportSchema()

    @extend_schema(
        summary="List the audit log, newest first, or export it as CSV",
        description="`?export=csv` answers the whole filtered log as a `text/csv` download (no pages), columns: "
        f"{', '.join(EVENT_CSV_HEADER)}.",
        parameters=[EventFilter],
        responses={(200, "application/json"): EventSerializer, (200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request):
        params = query_input(request, EventFilter)
        events = event_list(
            tenant=_tenant_or_none(params.get("tenant")),
            actor=params["actor"],
            action=params["action"],
            since=params.get("from"),
            until=params.get("to"),
        )
        if params["export"] == "csv":
            rows = map(_event_csv_row, events.iterator(chunk_size=1000))
            return csv_response(filename="audit-log.csv", header=EVENT_CSV_HEADER, rows=rows)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(EventSerializer(page, many=True).data)


class TenantIncidentsView(PolicyAPIView):
    """The caller's tenant's incidents, newest first; `status` and `severity` filter."""

    required_action = Action.VIEW_TENANT_DASHBOARD
    cache_seconds = TENANT_READ_SECONDS
    serializer_class = IncidentSerializer
    list_view = True
    filter_backends = ()

    @extend_schema(summary="List the tenant's incidents", parameters=[IncidentFilter], responses=IncidentSerializer)
    def get(self, request):
        params = query_input(request, IncidentFilter)
        page = self.paginate_queryset(incident_list(tenant=request.tenant, **params))
        return self.get_paginated_response(IncidentSerializer(page, many=True).data)


class InternalIncidentsView(PolicyAPIView):
    """Every tenant's incidents, newest first; `tenant`, `status` and `severity` filter."""

    required_action = Action.VIEW_COMPANY_PANEL
    serializer_class = InternalIncidentSerializer
    list_view = True
    filter_backends = ()

    @extend_schema(summary="List every tenant's incidents", parameters=[InternalIncidentFilter])
    def get(self, request):
        params = query_input(request, InternalIncidentFilter)
        tenant = _tenant_or_none(params.pop("tenant", None))
        page = self.paginate_queryset(incident_list(tenant=tenant, **params))
        return self.get_paginated_response(InternalIncidentSerializer(page, many=True).data)


class InternalIncidentTransitionView(PolicyAPIView):
    """POST …/incidents/{id}/acknowledge or …/resolve."""

    required_action = Action.VIEW_COMPANY_PANEL
    serializer_class = InternalIncidentSerializer
    transition = ""

    @extend_schema(
        summary="Acknowledge or resolve an incident",
        description="acknowledge: open → acknowledged; resolve: open or acknowledged → resolved. "
        "Any other move is a 400 naming `status`.",
        request=None,
        responses={200: InternalIncidentSerializer},
    )
    def post(self, request, incident_id: int):
        incident = get_object_or_404(Incident.objects.select_related("tenant"), pk=incident_id)
        incident = incident_transition(incident=incident, to=self.transition, actor=request.user, request=request)
        return Response(InternalIncidentSerializer(incident).data)
