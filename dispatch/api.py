"""Tenant API for leads and dispatch; internal API for the per-tenant flag."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django_tenants.utils import tenant_context
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.policy import Action
from core.api.inputs import IdField, body_input, choice_filter, query_input, text_filter
from core.api.parsers import JSONParser
from core.api.views import PolicyAPIView
from core.idempotency import idempotent
from core.tenancy import customer_tenant_or_404
from dispatch.decision import CHANNELS, REASON_CODES
from dispatch.imports import leads_import_upload
from dispatch.models import DispatchDecision, DispatchRun, Lead
from dispatch.selectors import lead_list
from dispatch.serializers import (
    DispatchDecisionSerializer,
    DispatchFlagSerializer,
    DispatchRunCreateSerializer,
    DispatchRunSerializer,
    DispatchStateSerializer,
    LeadImportResultSerializer,
    LeadImportUploadSerializer,
    LeadSerializer,
)
from dispatch.services import (
    dispatch_enabled_for,
    dispatch_flag_set,
    dispatch_run_create,
    lead_create,
    lead_delete,
    lead_update,
)

READ_WRITE = {
    "GET": Action.VIEW_TENANT_DASHBOARD,
    "POST": Action.MANAGE_LEADS,
    "PATCH": Action.MANAGE_LEADS,
    "DELETE": Action.MANAGE_LEADS,
}


class LeadFilter(serializers.Serializer):
    status = choice_filter(Lead.Status.values)
    search = text_filter(max_length=200)


class DecisionFilter(serializers.Serializer):
    run = IdField(required=False)
    channel = choice_filter(CHANNELS)
    reason = choice_filter(REASON_CODES)


LEAD_EXAMPLE = OpenApiExample(
    "A lead reachable by WhatsApp",
    request_only=True,
    value={
        "name": "Bruna Lima",
        "phone": "+5511987654321",
        "email": "bruna@example.com",
        "whatsapp_opt_in": True,
        "preferred_channel": "whatsapp",
        "time_zone": "America/Sao_Paulo",
        "source": "website",
    },
)


class LeadsView(PolicyAPIView):
    required_actions = READ_WRITE
    serializer_class = LeadSerializer
    list_view = True

    @extend_schema(summary="List leads, newest first", parameters=[LeadFilter], filters=False)
    def get(self, request):
        page = self.paginate_queryset(lead_list(**query_input(request, LeadFilter)))
        return self.get_paginated_response(LeadSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a lead",
        description="A lead needs a phone (E.164) or an e-mail.",
        request=LeadSerializer,
        responses={201: LeadSerializer},
        examples=[LEAD_EXAMPLE],
    )
    def post(self, request):
        lead = lead_create(data=body_input(request, LeadSerializer), actor=request.user, request=request)
        return Response(LeadSerializer(lead).data, status=status.HTTP_201_CREATED)


class LeadDetailView(PolicyAPIView):
    required_actions = READ_WRITE
    serializer_class = LeadSerializer

    @extend_schema(summary="Read a lead", responses={200: LeadSerializer})
    def get(self, request, lead_id: int):
        return Response(LeadSerializer(get_object_or_404(Lead, pk=lead_id)).data)

    @extend_schema(summary="Change some of a lead's fields", request=LeadSerializer, responses={200: LeadSerializer})
    def patch(self, request, lead_id: int):
        lead = get_object_or_404(Lead, pk=lead_id)
        serializer = LeadSerializer(lead, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        lead = lead_update(lead=lead, data=serializer.validated_data, actor=request.user, request=request)
        return Response(LeadSerializer(lead).data)

    @extend_schema(summary="Delete a lead", responses={204: None})
    def delete(self, request, lead_id: int):
        lead_delete(lead=get_object_or_404(Lead, pk=lead_id), actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LeadImportView(PolicyAPIView):
    """POST a CSV file (field `file`): all rows or none; errors name the line and field."""

    required_action = Action.MANAGE_LEADS
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        summary="Import leads from a CSV file",
        request={"multipart/form-data": LeadImportUploadSerializer},
        responses={201: LeadImportResultSerializer},
    )
    @idempotent
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": ["Attach a CSV file."]})
        return Response({"imported": leads_import_upload(upload=upload)}, status=status.HTTP_201_CREATED)


class DispatchRunsView(PolicyAPIView):
    required_actions = {"GET": Action.VIEW_TENANT_DASHBOARD, "POST": Action.MANAGE_LEADS}
    serializer_class = DispatchRunSerializer
    list_view = True

    @extend_schema(summary="List dispatch runs, newest first", filters=False)
    def get(self, request):
        page = self.paginate_queryset(DispatchRun.objects.all())
        return self.get_paginated_response(DispatchRunSerializer(page, many=True).data)

    @extend_schema(
        summary="Start a dispatch run",
        description="The run is queued and processed in the background: poll the runs list for its status. "
        "A dry run decides and records without sending.",
        request=DispatchRunCreateSerializer,
        responses={202: DispatchRunSerializer},
        examples=[OpenApiExample("A dry run", request_only=True, value={"dry_run": True, "batch_size": 100})],
    )
    @idempotent
    def post(self, request):
        payload = body_input(request, DispatchRunCreateSerializer)
        run = dispatch_run_create(
            tenant=request.tenant,
            actor=request.user,
            dry_run=payload["dry_run"],
            batch_size=payload["batch_size"],
            request=request,
        )
        return Response(DispatchRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class DispatchDecisionsView(PolicyAPIView):
    required_action = Action.VIEW_TENANT_DASHBOARD
    serializer_class = DispatchDecisionSerializer
    list_view = True

    @extend_schema(summary="List dispatch decisions", parameters=[DecisionFilter], filters=False)
    def get(self, request):
        params = query_input(request, DecisionFilter)
        decisions = DispatchDecision.objects.select_related("lead")
        if params.get("run") is not None:
            decisions = decisions.filter(run_id=params["run"])
        if params["channel"]:
            decisions = decisions.filter(channel=params["channel"])
        if params["reason"]:
            decisions = decisions.filter(reason_code=params["reason"])
        page = self.paginate_queryset(decisions)
        return self.get_paginated_response(DispatchDecisionSerializer(page, many=True).data)


class InternalDispatchView(PolicyAPIView):
    """A tenant's dispatch state (flag, last run, counts); POST {"enabled": bool} sets its flag (admins)."""

    required_actions = {"GET": Action.VIEW_COMPANY_PANEL, "POST": Action.ENABLE_DISPATCH}
    error_statuses = (409,)

    @extend_schema(summary="A tenant's dispatch state", responses={200: DispatchStateSerializer})
    def get(self, request, tenant_id: int):
        return Response(dispatch_state(customer_tenant_or_404(tenant_id)))

    @extend_schema(
        summary="Turn a tenant's dispatch flag on or off",
        description="Answers the tenant's dispatch state after the change. 409 when the tenant has no data "
        "(archived, or still provisioning).",
        request=DispatchFlagSerializer,
        responses={200: DispatchStateSerializer},
        examples=[OpenApiExample("Enable", request_only=True, value={"enabled": True})],
    )
    def post(self, request, tenant_id: int):
        tenant = customer_tenant_or_404(tenant_id)
        _refuse_without_schema(tenant)
        if not isinstance(request.data, dict) or not isinstance(request.data.get("enabled"), bool):
            raise exceptions.ValidationError({"enabled": ["true or false."]})
        try:
            dispatch_flag_set(tenant=tenant, enabled=request.data["enabled"], actor=request.user, request=request)
        except DjangoValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from None
        return Response(dispatch_state(tenant))


class TenantWithoutData(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _refuse_without_schema(tenant) -> None:
    """An archived tenant's schema is dropped (a provisioning one's may not exist yet): 409, not a 500."""
    if not tenant.has_schema:
        raise TenantWithoutData(f"The tenant is {tenant.status}: it has no dispatch data.")


def dispatch_state(tenant) -> dict:
    _refuse_without_schema(tenant)
    with tenant_context(tenant):
        last = DispatchRun.objects.first()
        return {
            "tenant": tenant.slug,
            "flag": bool(tenant.settings.get("dispatch_enabled")),
            "effective": dispatch_enabled_for(tenant),
            "leads": Lead.objects.count(),
            "last_run": DispatchRunSerializer(last).data if last else None,
        }
