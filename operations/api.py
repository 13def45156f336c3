"""Internal API: operational commands, batches and the audit log."""

import csv
import json
from datetime import date

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from accounts.policy import Action
from audit.selectors import event_list
from core.api.params import whole_number
from core.api.views import PolicyAPIView
from core.tenancy import customer_tenant_or_404
from operations.commands import (
    IdempotencyKeyReused,
    batch_create,
    batch_summary,
    batch_tenants,
    command_cancel,
    command_create,
    command_retry,
)
from operations.commands_models import Command, CommandBatch, CommandStatus, CommandType
from operations.selectors import command_list
from operations.serializers import BatchCreateSerializer, CommandCreateSerializer, CommandSerializer, EventSerializer
from tenants.models import Tenant


class IdempotencyConflict(exceptions.ValidationError):
    """409 naming idempotency_key: the key already stands for a different request."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _date_param(params, name: str) -> date | None:
    if not params.get(name):
        return None
    try:
        return date.fromisoformat(params[name])
    except ValueError:
        raise exceptions.ValidationError({name: ["Use YYYY-MM-DD."]}) from None


def _choice_param(params, name: str, allowed) -> str:
    value = params.get(name, "")
    if value and value not in allowed:
        raise exceptions.ValidationError({name: [f"Must be one of {', '.join(allowed)}."]})
    return value


def _tenant_param(params):
    if not params.get("tenant"):
        return None
    tenant_id = whole_number(params["tenant"])
    if tenant_id is None:
        raise exceptions.ValidationError({"tenant": ["Must be a tenant id."]})
    return customer_tenant_or_404(tenant_id)


class CommandsView(PolicyAPIView):
    """List commands (filters: tenant, type, status, created_by, from, to) or create one."""

    required_actions = {"GET": Action.VIEW_COMPANY_PANEL, "POST": Action.CREATE_BASIC_COMMAND}
    serializer_class = CommandSerializer

    @extend_schema(
        parameters=[OpenApiParameter(n, str) for n in ("tenant", "type", "status", "created_by", "from", "to")]
    )
    def get(self, request):
        params = request.query_params
        commands = command_list(
            tenant=_tenant_param(params),
            command_type=_choice_param(params, "type", CommandType.values),
            status=_choice_param(params, "status", CommandStatus.values),
            created_by=params.get("created_by", ""),
            since=_date_param(params, "from"),
            until=_date_param(params, "to"),
        )
        page = self.paginate_queryset(commands)
        return self.get_paginated_response(CommandSerializer(page, many=True).data)

    @extend_schema(request=CommandCreateSerializer, responses={201: CommandSerializer, 200: CommandSerializer})
    def post(self, request):
        payload = CommandCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        tenant = Tenant.objects.customers().filter(pk=data["tenant_id"]).first()
        if tenant is None:
            raise exceptions.ValidationError({"tenant_id": ["No such tenant."]})
        try:
            command, created = command_create(
                tenant=tenant,
                command_type=data["type"],
                parameters=data["parameters"],
                actor=request.user,
                idempotency_key=data["idempotency_key"] or request.headers.get("Idempotency-Key", ""),
                request=request,
            )
        except DjangoPermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied)) from None
        except IdempotencyKeyReused as reused:
            raise IdempotencyConflict(reused.message_dict) from None
        return Response(
            CommandSerializer(command).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class CommandDetailView(PolicyAPIView):
    required_action = Action.VIEW_COMPANY_PANEL
    serializer_class = CommandSerializer

    def get(self, request, command_id):
        return Response(
            CommandSerializer(
                get_object_or_404(Command.objects.select_related("tenant", "created_by"), pk=command_id)
            ).data
        )


class CommandCancelView(PolicyAPIView):
    required_action = Action.CREATE_BASIC_COMMAND
    serializer_class = CommandSerializer

    @extend_schema(request=None)
    def post(self, request, command_id):
        command = get_object_or_404(Command, pk=command_id)
        try:
            command = command_cancel(command=command, actor=request.user, request=request)
        except DjangoPermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied)) from None
        return Response(CommandSerializer(command).data)


class CommandRetryView(PolicyAPIView):
    required_action = Action.CREATE_BASIC_COMMAND
    serializer_class = CommandSerializer

    @extend_schema(request=None, responses={201: CommandSerializer})
    def post(self, request, command_id):
        command = get_object_or_404(Command, pk=command_id)
        try:
            retry = command_retry(command=command, actor=request.user, request=request)
        except DjangoPermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied)) from None
        return Response(CommandSerializer(retry).data, status=status.HTTP_201_CREATED)


class BatchesView(PolicyAPIView):
    """Run one command type for several tenants: a selection, or every tenant with a status and/or plan."""

    required_action = Action.CREATE_BASIC_COMMAND
    serializer_class = BatchCreateSerializer

    @extend_schema(request=BatchCreateSerializer)
    def post(self, request):
        payload = BatchCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if data.get("tenant_ids"):
            if Tenant.objects.customers().filter(pk__in=data["tenant_ids"]).count() != len(set(data["tenant_ids"])):
                raise exceptions.ValidationError({"tenant_ids": ["Some ids are not tenants."]})
        tenants = batch_tenants(
            tenant_ids=data.get("tenant_ids"), status=data.get("status", ""), plan=data.get("plan", "")
        )
        selection = ", ".join(f"{k}={data[k]}" for k in ("tenant_ids", "status", "plan") if data.get(k))
        try:
            batch = batch_create(
                command_type=data["type"],
                tenants=tenants,
                parameters=data["parameters"],
                concurrency=data["concurrency"],
                actor=request.user,
                selection=selection,
                request=request,
            )
        except DjangoPermissionDenied as denied:
            raise exceptions.PermissionDenied(str(denied)) from None
        return Response({"id": str(batch.pk), **batch_summary(batch)}, status=status.HTTP_201_CREATED)


class BatchDetailView(PolicyAPIView):
    required_action = Action.VIEW_COMPANY_PANEL

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


class _Echo:
    def write(self, value):
        return value


class EventsView(PolicyAPIView):
    """The audit log (filters: tenant, actor, action prefix, from, to); `?export=csv` downloads it."""

    required_action = Action.READ_AUDIT_LOG
    serializer_class = EventSerializer

    @extend_schema(parameters=[OpenApiParameter(n, str) for n in ("tenant", "actor", "action", "from", "to", "export")])
    def get(self, request):
        params = request.query_params
        events = event_list(
            tenant=_tenant_param(params),
            actor=params.get("actor", ""),
            action=params.get("action", ""),
            since=_date_param(params, "from"),
            until=_date_param(params, "to"),
        )
        if params.get("export") == "csv":
            writer = csv.writer(_Echo())
            header = [
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
            rows = (
                writer.writerow(
                    [
                        e.created_at.isoformat(),
                        e.actor_email,
                        e.tenant_slug,
                        e.action,
                        e.target_type,
                        e.target_id,
                        "" if e.before is None else json.dumps(e.before, sort_keys=True),
                        "" if e.after is None else json.dumps(e.after, sort_keys=True),
                        e.request_id,
                        e.ip,
                    ]
                )
                for e in events.iterator(chunk_size=1000)
            )
            response = StreamingHttpResponse(
                (line for chunk in ([writer.writerow(header)], rows) for line in chunk), content_type="text/csv"
            )
            response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
            return response
        page = self.paginate_queryset(events)
        return self.get_paginated_response(EventSerializer(page, many=True).data)
