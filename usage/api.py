"""Usage endpoints: the tenant's own reads and ingestion, and staff's cross-tenant views."""

from urllib.parse import urlencode

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from accounts.policy import Action
from agents.models import TenantAgent
from agents.selectors import tenant_agents
from agents.serializers import TenantAgentInternalSerializer, TenantAgentSerializer
from core.api.params import whole_number
from core.api.views import INTERNAL_READ_SECONDS, TENANT_READ_SECONDS, PolicyAPIView
from core.cache import GLOBAL, cached_read, tenant_scope
from core.tenancy import customer_tenant_or_404
from integrations.models import Integration
from integrations.selectors import tenant_integrations
from integrations.serializers import IntegrationSerializer
from operations.models import Incident
from operations.selectors import incident_list
from operations.serializers import IncidentSerializer, InternalIncidentSerializer
from operations.services import incident_transition
from tenants.api import ProvisioningRunSerializer, ProvisionRequestSerializer, provision_start
from tenants.models import Tenant
from tenants.provisioning import provisioning_request
from tenants.serializers import TenantMeSerializer
from usage.ingest import IngestSerializer, agent_requests_ingest
from usage.selectors import BadPeriod, billing_overview, month_to_date, tenant_usage, tenants_with_usage, usage_overview

PERIOD = OpenApiParameter("period", str, enum=["7d", "30d", "90d"], default="30d")


def _usage_or_400(compute):
    try:
        return compute()
    except BadPeriod as error:
        field = "agent" if str(error).startswith("agent") else "period"
        raise exceptions.ValidationError({field: [str(error).removeprefix("agent: ")]}) from None


class TenantMeView(PolicyAPIView):
    """The caller's tenant, its plan and limits, and this month's usage against each limit."""

    required_action = Action.VIEW_TENANT_DASHBOARD
    cache_seconds = TENANT_READ_SECONDS

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        tenant = request.tenant
        body = cached_read(
            tenant_scope(tenant),
            "me",
            lambda: {**TenantMeSerializer(tenant).data, "month": month_to_date(tenant=tenant)},
        )
        return Response(body)


class TenantUsageView(PolicyAPIView):
    """Daily series and totals for 7, 30 or 90 UTC days; today is live."""

    required_action = Action.VIEW_TENANT_DASHBOARD
    cache_seconds = TENANT_READ_SECONDS

    @extend_schema(
        parameters=[PERIOD, OpenApiParameter("agent", str, description="agent type code")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        period, agent = request.query_params.get("period", "30d"), request.query_params.get("agent", "")
        tenant = request.tenant
        body = _usage_or_400(
            lambda: cached_read(
                tenant_scope(tenant),
                f"usage:{period}:{agent}",
                lambda: tenant_usage(tenant=tenant, period=period, agent_code=agent),
            )
        )
        return Response(body)


def _choice_or_400(params, name: str, choices) -> str:
    value = params.get(name, "")
    if value and value not in choices:
        raise exceptions.ValidationError({name: [f"Must be one of {', '.join(choices)}."]})
    return value


def _cache_name(prefix: str, **validated) -> str:
    """A read-cache key name from validated parameters only: stray query parameters add no keys."""
    return f"{prefix}:{urlencode(sorted(validated.items()))}"


def _cached_page(view, *, scope: str, name: str, items, serializer_class) -> Response:
    """One page of `items()` (called only on a cache miss), cached until the scope's next invalidation."""
    page, page_size = view.paginator.page_params(view.request)

    def page_body():
        page_items = view.paginate_queryset(items())
        return view.get_paginated_response(serializer_class(page_items, many=True).data).data

    return Response(cached_read(scope, _cache_name(name, page=page, page_size=page_size), page_body))


class TenantAgentsView(PolicyAPIView):
    """Contracted agents with their 30-day metrics; paginated, `status` filters, cached until the next roll-up."""

    required_action = Action.VIEW_TENANT_DASHBOARD
    cache_seconds = TENANT_READ_SECONDS
    serializer_class = TenantAgentSerializer

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=TenantAgent.Status.values)],
        responses=TenantAgentSerializer(many=True),
    )
    def get(self, request):
        status_filter = _choice_or_400(request.query_params, "status", TenantAgent.Status.values)
        return _cached_page(
            self,
            scope=tenant_scope(request.tenant),
            name=f"agents:{status_filter}",
            items=lambda: tenant_agents(tenant=request.tenant, status=status_filter),
            serializer_class=TenantAgentSerializer,
        )


class TenantIntegrationsView(PolicyAPIView):
    """Integrations and their health, never their secrets; paginated, `status` and `kind` filter, cached."""

    required_action = Action.VIEW_TENANT_DASHBOARD
    cache_seconds = TENANT_READ_SECONDS
    serializer_class = IntegrationSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=Integration.Status.values),
            OpenApiParameter("kind", str, enum=Integration.Kind.values),
        ],
        responses=IntegrationSerializer(many=True),
    )
    def get(self, request):
        status_filter = _choice_or_400(request.query_params, "status", Integration.Status.values)
        kind = _choice_or_400(request.query_params, "kind", Integration.Kind.values)
        return _cached_page(
            self,
            scope=tenant_scope(request.tenant),
            name=f"integrations:{status_filter}:{kind}",
            items=lambda: tenant_integrations(tenant=request.tenant, status=status_filter, kind=kind),
            serializer_class=IntegrationSerializer,
        )


class TenantIncidentsView(PolicyAPIView):
    required_action = Action.VIEW_TENANT_DASHBOARD
    cache_seconds = TENANT_READ_SECONDS
    serializer_class = IncidentSerializer

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=Incident.Status.values)],
        responses=IncidentSerializer(many=True),
    )
    def get(self, request):
        status_filter = request.query_params.get("status", "")
        if status_filter and status_filter not in Incident.Status.values:
            raise exceptions.ValidationError({"status": [f"Must be one of {', '.join(Incident.Status.values)}."]})
        page = self.paginate_queryset(incident_list(tenant=request.tenant, status=status_filter))
        return self.get_paginated_response(IncidentSerializer(page, many=True).data)


class AgentRequestIngestView(PolicyAPIView):
    """Report up to 1,000 served requests at once (API key with the `ingest` scope). All or nothing."""

    required_action = Action.INGEST_AGENT_REQUESTS
    serializer_class = IngestSerializer

    @extend_schema(request=IngestSerializer, responses={201: OpenApiTypes.OBJECT})
    def post(self, request):
        payload = IngestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        accepted = agent_requests_ingest(rows=payload.validated_data["requests"])
        return Response({"accepted": accepted}, status=status.HTTP_201_CREATED)


class InternalTenantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    plan = serializers.CharField(source="plan.code", default=None)
    owner_name = serializers.CharField()
    owner_email = serializers.EmailField()
    owner_squad = serializers.CharField()
    sla = serializers.CharField()
    created_at = serializers.DateTimeField()
    requests_30d = serializers.IntegerField()
    error_rate_30d = serializers.SerializerMethodField()
    open_incidents = serializers.IntegerField()

    def get_error_rate_30d(self, tenant) -> float | None:
        return round(tenant.failures_30d / tenant.requests_30d, 4) if tenant.requests_30d else None


class InternalTenantsView(PolicyAPIView):
    """GET: every tenant, filtered (search, status, plan), ordered and paginated. POST: provision a tenant (202)."""

    required_actions = {"GET": Action.VIEW_COMPANY_PANEL, "POST": Action.MANAGE_TENANT_LIFECYCLE}
    cache_seconds = INTERNAL_READ_SECONDS
    serializer_class = InternalTenantSerializer
    ORDERINGS = ("name", "-name", "created_at", "-created_at", "requests_30d", "-requests_30d", "status", "-status")

    @extend_schema(
        parameters=[
            OpenApiParameter("search", str),
            OpenApiParameter("status", str),
            OpenApiParameter("plan", str),
            OpenApiParameter("ordering", str, enum=ORDERINGS),
            OpenApiParameter("page", int),
        ]
    )
    def get(self, request):
        params = request.query_params
        ordering = params.get("ordering", "name")
        if ordering not in self.ORDERINGS:
            raise exceptions.ValidationError({"ordering": [f"Must be one of {', '.join(self.ORDERINGS)}."]})
        status_filter = params.get("status", "")

        if status_filter and status_filter not in Tenant.Status.values:
            raise exceptions.ValidationError({"status": [f"Must be one of {', '.join(Tenant.Status.values)}."]})
        search = params.get("search", "").strip()
        page, page_size = self.paginator.page_params(request)

        def page_body():
            # Built here, on a cache miss only: composing the annotated queryset costs a few ms per request.
            tenants = tenants_with_usage(
                search=search, status=status_filter, plan=params.get("plan", ""), ordering=ordering
            )
            rows = self.paginate_queryset(tenants)
            return self.get_paginated_response(InternalTenantSerializer(rows, many=True).data).data

        # Cached until the next roll-up or tenant change (both bump the global read version), keyed by the
        # validated parameters only: arbitrary query parameters must not mint new cache keys.
        name = _cache_name(
            "tenants",
            search=search,
            status=status_filter,
            plan=params.get("plan", ""),
            ordering=ordering,
            page=page,
            page_size=page_size,
        )
        return Response(cached_read(GLOBAL, name, page_body))

    @extend_schema(responses={202: OpenApiTypes.OBJECT})
    def post(self, request):
        payload = ProvisionRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        run = provisioning_request(
            slug=data["slug"],
            name=data["name"],
            plan_code=data["plan"],
            owner_name=data["owner_name"],
            owner_email=data["owner_email"],
            owner_squad=data["owner_squad"],
            sla=data["sla"],
            contacts=data["contacts"],
            requested_by=request.user,
            request=request,
        )
        provision_start(run)
        return Response(ProvisioningRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class InternalTenantDetailView(PolicyAPIView):
    required_action = Action.VIEW_COMPANY_PANEL
    cache_seconds = INTERNAL_READ_SECONDS

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, tenant_id: int):
        tenant = customer_tenant_or_404(tenant_id)
        return Response(
            {
                **TenantMeSerializer(tenant).data,
                "owner": {"name": tenant.owner_name, "email": tenant.owner_email, "squad": tenant.owner_squad},
                "settings": tenant.settings,
                "month": month_to_date(tenant=tenant),
                "integrations": IntegrationSerializer(tenant_integrations(tenant=tenant), many=True).data,
                "open_incidents": IncidentSerializer(incident_list(tenant=tenant, status="open")[:20], many=True).data,
            }
        )


class InternalTenantAgentsView(PolicyAPIView):
    required_action = Action.VIEW_COMPANY_PANEL
    cache_seconds = INTERNAL_READ_SECONDS
    serializer_class = TenantAgentInternalSerializer

    def get(self, request, tenant_id: int):
        tenant = customer_tenant_or_404(tenant_id)
        return Response(TenantAgentInternalSerializer(tenant_agents(tenant=tenant), many=True).data)


class UsageOverviewView(PolicyAPIView):
    """Totals across tenants, top 10 tenants by requests, tokens and error rate, top agents."""

    required_action = Action.VIEW_COMPANY_PANEL
    cache_seconds = INTERNAL_READ_SECONDS

    @extend_schema(parameters=[PERIOD], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        period = request.query_params.get("period", "30d")
        return Response(
            _usage_or_400(lambda: cached_read(GLOBAL, f"overview:{period}", lambda: usage_overview(period=period)))
        )


class BillingOverviewView(PolicyAPIView):
    """MRR, usage cost and overage per tenant this month, top 10 by revenue, revenue by plan."""

    required_action = Action.VIEW_BILLING
    cache_seconds = INTERNAL_READ_SECONDS

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(cached_read(GLOBAL, "billing", billing_overview))


class InternalIncidentsView(PolicyAPIView):
    required_action = Action.VIEW_COMPANY_PANEL
    serializer_class = InternalIncidentSerializer

    @extend_schema(
        parameters=[OpenApiParameter("tenant", int), OpenApiParameter("status", str), OpenApiParameter("severity", str)]
    )
    def get(self, request):
        params = request.query_params
        tenant = None
        if params.get("tenant"):
            tenant_id = whole_number(params["tenant"])
            if tenant_id is None:
                raise exceptions.ValidationError({"tenant": ["Must be a tenant id."]})
            tenant = customer_tenant_or_404(tenant_id)
        for name, allowed in (("status", Incident.Status.values), ("severity", Incident.Severity.values)):
            if params.get(name) and params[name] not in allowed:
                raise exceptions.ValidationError({name: [f"Must be one of {', '.join(allowed)}."]})
        incidents = incident_list(tenant=tenant, status=params.get("status", ""), severity=params.get("severity", ""))
        page = self.paginate_queryset(incidents)
        return self.get_paginated_response(InternalIncidentSerializer(page, many=True).data)


class InternalIncidentTransitionView(PolicyAPIView):
    """POST …/incidents/{id}/acknowledge or …/resolve."""

    required_action = Action.VIEW_COMPANY_PANEL
    serializer_class = InternalIncidentSerializer
    transition = ""

    @extend_schema(request=None, responses=InternalIncidentSerializer)
    def post(self, request, incident_id: int):
        incident = get_object_or_404(Incident.objects.select_related("tenant"), pk=incident_id)
        incident = incident_transition(incident=incident, to=self.transition, actor=request.user, request=request)
        return Response(InternalIncidentSerializer(incident).data)
