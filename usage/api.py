"""Usage endpoints: a tenant's own usage and ingestion, and staff's cross-tenant usage and billing."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.cost_visibility import cost_for
from accounts.policy import Action
from core.api.inputs import body_input, choice_field, query_input, text_filter
from core.api.views import INTERNAL_READ_SECONDS, TENANT_READ_SECONDS, PolicyAPIView
from core.cache import cached_read, tenant_scope
from tenants.serializers import TenantMeSerializer
from usage.ingest import IngestSerializer, agent_requests_ingest
from usage.limits import ingest_allowed
from usage.selectors import (
    PERIODS,
    billing_overview_cached,
    month_to_date,
    tenant_usage_cached,
    usage_overview_cached,
)
from usage.serializers import (
    AgentRequestsIngestSerializer,
    BillingOverviewSerializer,
    IngestResultSerializer,
    TenantMeResponseSerializer,
    TenantUsageSerializer,
    UsageOverviewSerializer,
)


class PeriodInput(serializers.Serializer):
    period = choice_field(PERIODS, default="30d")


class UsageInput(PeriodInput):
    agent = text_filter(max_length=40, help_text="agent type code")


class TenantMeView(PolicyAPIView):
    """The caller's tenant, its plan and limits, and this month's usage against each limit."""

    required_action = Action.VIEW_TENANT_DASHBOARD
    cache_seconds = TENANT_READ_SECONDS

    @extend_schema(
        summary="The caller's tenant, plan and month-to-date usage",
        responses={200: TenantMeResponseSerializer},
    )
    def get(self, request):
        tenant = request.tenant
        body = cached_read(
            tenant_scope(tenant),
            "me",
            lambda: {**TenantMeSerializer(tenant).data, "month": month_to_date(tenant=tenant)},
        )
        return Response(cost_for(request.user, body, tenant=tenant))


class TenantUsageView(PolicyAPIView):
    """Daily series and totals for 7, 30 or 90 UTC days; today is live."""

    required_action = Action.VIEW_TENANT_DASHBOARD
    cache_seconds = TENANT_READ_SECONDS

    @extend_schema(
        summary="Daily usage series and totals",
        parameters=[UsageInput],
        responses={200: TenantUsageSerializer},
    )
    def get(self, request):
        params = query_input(request, UsageInput)
        usage = tenant_usage_cached(tenant=request.tenant, period=params["period"], agent_code=params["agent"])
        return Response(cost_for(request.user, usage, tenant=request.tenant))


class AgentRequestIngestView(PolicyAPIView):
    """Report up to 1,000 served requests at once (API key with the `ingest` scope). All or nothing.

    Rows whose `event_id` this tenant already stored are skipped: 201 with {"accepted", "duplicates"}.
    """

    required_action = Action.INGEST_AGENT_REQUESTS
    serializer_class = IngestSerializer

    @extend_schema(
        summary="Report served agent requests",
        request={"application/json": AgentRequestsIngestSerializer},
        responses={201: IngestResultSerializer},
        examples=[
            OpenApiExample(
                "One served request",
                request_only=True,
                value={
                    "requests": [
                        {
                            "agent": "email-nurture",
                            "started_at": "2026-01-15T14:03:00Z",
                            "duration_ms": 640,
                            "outcome": "success",
                            "tokens_in": 120,
                            "tokens_out": 80,
                            "channel": "email",
                            "event_id": "evt-2026-01-15-0001",
                        }
                    ]
                },
            )
        ],
    )
    def post(self, request):
        payload = body_input(request, IngestSerializer)
        ingest_allowed(tenant=request.tenant, rows=len(payload["requests"]))
        counts = agent_requests_ingest(rows=payload["requests"])
        return Response(counts, status=status.HTTP_201_CREATED)


class UsageOverviewView(PolicyAPIView):
    """Totals across tenants, top 10 tenants by requests, tokens and error rate, top agents; cost with VIEW_BILLING."""

    required_action = Action.VIEW_COMPANY_PANEL
    cache_seconds = INTERNAL_READ_SECONDS

    @extend_schema(
        summary="Usage across all tenants",
        parameters=[PeriodInput],
        responses={200: UsageOverviewSerializer},
    )
    def get(self, request):
        overview = usage_overview_cached(period=query_input(request, PeriodInput)["period"])
        return Response(cost_for(request.user, overview))  # cost is billing: admins only


class BillingOverviewView(PolicyAPIView):
    """MRR, usage cost and overage per tenant this month, top 10 by revenue, revenue by plan."""

    required_action = Action.VIEW_BILLING
    cache_seconds = INTERNAL_READ_SECONDS

    @extend_schema(summary="This month's revenue and usage cost per tenant", responses={200: BillingOverviewSerializer})
    def get(self, request):
        return Response(billing_overview_cached())
