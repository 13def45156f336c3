"""Tenant endpoints (staff, public host): the tenant list and detail, provisioning, suspension, credentials, backups."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.cost_visibility import cost_for
from accounts.policy import Action
from core.api.inputs import body_input, choice_field, choice_filter, query_input, text_field, text_filter
from core.api.schema import ContractSchema
from core.api.views import INTERNAL_READ_SECONDS, PolicyAPIView
from core.cache import GLOBAL
from core.idempotency import idempotent
from core.tenancy import customer_tenant_or_404
from integrations.selectors import tenant_integrations
from integrations.serializers import IntegrationSerializer
from operations.selectors import incident_list
from operations.serializers import IncidentSerializer
from tenants.backups import backup_all, backup_tenant, restore_tenant
from tenants.lifecycle import credential_rotate, tenant_archive, tenant_secrets, tenant_transition
from tenants.models import Backup, ProvisioningRun, Tenant
from tenants.provisioning import provisioning_request_from
from tenants.serializers import (
    BackupSerializer,
    InternalTenantDetailSerializer,
    InternalTenantSerializer,
    ProvisioningRunSerializer,
    SecretRotatedSerializer,
    SecretSerializer,
    TenantMeSerializer,
    TenantStatusSerializer,
)
from usage.selectors import month_to_date, tenants_with_usage


class ProvisionContactSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField()
    role = serializers.CharField(max_length=100, required=False, allow_blank=True)


@extend_schema_field(ProvisionContactSerializer)
class ProvisionContactField(serializers.DictField):
    """Any object here: the provisioning service checks each contact and names the bad ones by position."""


class ProvisionRequestSerializer(serializers.Serializer):
    """Shapes only; the provisioning service validates the values and names every bad field at once."""

    slug = serializers.CharField(max_length=40, allow_blank=True)
    name = serializers.CharField(max_length=200, allow_blank=True)
    plan = serializers.CharField(max_length=40, allow_blank=True, help_text="A plan code, e.g. `starter`.")
    owner_name = serializers.CharField(max_length=200, allow_blank=True)
    owner_email = serializers.CharField(max_length=254, allow_blank=True)
    owner_squad = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    sla = serializers.ChoiceField(choices=Tenant.Sla.choices, default=Tenant.Sla.STANDARD)
    contacts = serializers.ListField(child=ProvisionContactField(), required=False, default=list)


PROVISION_EXAMPLE = OpenApiExample(
    "Provision a tenant",
    value={
        "slug": "wonka",
        "name": "Wonka Industries",
        "plan": "starter",
        "owner_name": "Willy Wonka",
        "owner_email": "willy@wonka.test",
        "sla": "priority",
        "contacts": [{"name": "Charlie Bucket", "email": "charlie@wonka.test", "role": "ops"}],
    },
    request_only=True,
)


class NoInput(serializers.Serializer):
    """A POST that takes no fields: any JSON object (or none), never a list or a bare value."""


class TransitionInput(serializers.Serializer):
    reason = text_field(max_length=500, required=False, allow_blank=True, default="")


class SecretRotateInput(serializers.Serializer):
    name = text_field(max_length=200, required=False, allow_blank=True, default="")


class RestoreInput(serializers.Serializer):
    slug = text_field(max_length=40, required=False, allow_blank=True, allow_null=True, default=None)


TENANT_ORDERINGS = ("name", "-name", "created_at", "-created_at", "requests_30d", "-requests_30d", "status", "-status")


class TenantFilter(serializers.Serializer):
    search = text_filter(max_length=200)
    status = choice_filter(Tenant.Status.values)
    plan = text_filter(max_length=40)
    ordering = choice_field(TENANT_ORDERINGS, default="name")


class InternalTenantsView(PolicyAPIView):
    """GET: every tenant, filtered (search, status, plan), ordered and paginated. POST: provision a tenant (202)."""

    required_actions = {"GET": Action.VIEW_COMPANY_PANEL, "POST": Action.MANAGE_TENANT_LIFECYCLE}
    cache_seconds = INTERNAL_READ_SECONDS
    serializer_class = InternalTenantSerializer
    list_view = True
    filter_backends = ()

    @extend_schema(
        summary="List tenants",
        description="Customer tenants with their 30-day requests, error rate and open incidents.",
        parameters=[TenantFilter],
    )
    def get(self, request):
        filters = query_input(request, TenantFilter)
        filters["search"] = filters["search"].strip()
        # Cached until the next roll-up or tenant change (both bump the global read version).
        return self.cached_page(
            scope=GLOBAL,
            name="tenants",
            items=lambda: tenants_with_usage(**filters),
            serializer_class=InternalTenantSerializer,
            **filters,
        )

    @extend_schema(
        summary="Provision a tenant",
        description="Validates every field at once (a 400 names each bad one), records a provisioning run and "
        "queues it: 202 with the pending run, to follow at `/api/internal/provisioning-runs/{run_id}`.",
        request=ProvisionRequestSerializer,
        responses={202: ProvisioningRunSerializer},
        examples=[PROVISION_EXAMPLE],
    )
    @idempotent
    def post(self, request):
        data = body_input(request, ProvisionRequestSerializer)
        run = provisioning_request_from(data, requested_by=request.user, request=request)
        return Response(ProvisioningRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class InternalTenantDetailView(PolicyAPIView):
    """One tenant whole: plan, owner, settings, this month's usage, integrations, open incidents."""

    required_action = Action.VIEW_COMPANY_PANEL
    cache_seconds = INTERNAL_READ_SECONDS

    @extend_schema(
        summary="Get a tenant",
        description="Prices and this month's cost are billing: only those who may see cost get them.",
        responses={200: InternalTenantDetailSerializer},
    )
    def get(self, request, tenant_id: int):
        tenant = customer_tenant_or_404(tenant_id)
        detail = {
            **TenantMeSerializer(tenant).data,
            "owner": {"name": tenant.owner_name, "email": tenant.owner_email, "squad": tenant.owner_squad},
            "settings": tenant.settings,
            "month": month_to_date(tenant=tenant),
            "integrations": IntegrationSerializer(tenant_integrations(tenant=tenant), many=True).data,
            "open_incidents": IncidentSerializer(incident_list(tenant=tenant, status="open")[:20], many=True).data,
        }
        return Response(cost_for(request.user, detail))  # prices and cost are billing: admins only


class ProvisioningRunView(PolicyAPIView):
    required_action = Action.MANAGE_TENANT_LIFECYCLE
    serializer_class = ProvisioningRunSerializer

    @extend_schema(summary="Get a provisioning run", description="The run's status and each step's progress and log.")
    def get(self, request, run_id):
        return Response(
            ProvisioningRunSerializer(
                get_object_or_404(ProvisioningRun.objects.select_related("plan", "requested_by"), pk=run_id)
            ).data
        )


class TransitionSchema(ContractSchema):
    def get_summary(self):
        return f"{self.view.transition.capitalize()} a tenant"


class TenantTransitionView(PolicyAPIView):
    """Suspend, resume or archive a tenant; a transition its current status does not allow is a 400."""

    required_action = Action.MANAGE_TENANT_LIFECYCLE
    transition = ""
    schema = TransitionSchema()

    @extend_schema(request=TransitionInput, responses={200: TenantStatusSerializer})
    def post(self, request, tenant_id: int):
        data = body_input(request, TransitionInput)
        tenant = customer_tenant_or_404(tenant_id)
        if self.transition == "archive":
            tenant = tenant_archive(tenant=tenant, actor=request.user, request=request)
        else:
            tenant = tenant_transition(
                tenant=tenant,
                to=self.transition,
                actor=request.user,
                reason=data["reason"],
                request=request,
            )
        return Response({"id": tenant.pk, "slug": tenant.slug, "status": tenant.status})


class TenantSecretsView(PolicyAPIView):
    """Names, versions, tags and dates of a tenant's platform secrets; POST {"name": …} rotates one."""

    required_actions = {"GET": Action.VIEW_COMPANY_PANEL, "POST": Action.ROTATE_CREDENTIALS}
    list_view = True
    filter_backends = ()

    @extend_schema(summary="List a tenant's secrets", responses=SecretSerializer)
    def get(self, request, tenant_id: int):
        tenant = customer_tenant_or_404(tenant_id)
        page = self.paginate_queryset(tenant_secrets(tenant))
        return self.get_paginated_response(
            [{"name": m.name, "version": m.version, "tags": m.tags, "created_at": m.created_at} for m in page]
        )

    @extend_schema(
        summary="Rotate a tenant's secret",
        description="Stores a new random version; rotating the owner's password also e-mails a set-password link.",
        request=SecretRotateInput,
        responses={201: SecretRotatedSerializer},
        examples=[OpenApiExample("Rotate", value={"name": "tenant/acme/jwt-signing-key"}, request_only=True)],
    )
    def post(self, request, tenant_id: int):
        name = body_input(request, SecretRotateInput)["name"]
        tenant = customer_tenant_or_404(tenant_id)
        meta = credential_rotate(
            tenant=tenant,
            secret_name=name,
            actor_email=request.user.email,
            actor=request.user,
            request=request,
        )
        return Response({"name": meta.name, "version": meta.version}, status=status.HTTP_201_CREATED)


class BackupsView(PolicyAPIView):
    """List backups; POST takes a whole-database backup now."""

    required_action = Action.MANAGE_TENANT_LIFECYCLE
    serializer_class = BackupSerializer
    list_view = True
    filter_backends = ()

    @extend_schema(summary="List backups", description="Newest first.")
    def get(self, request):
        page = self.paginate_queryset(Backup.objects.all())
        return self.get_paginated_response(BackupSerializer(page, many=True).data)

    @extend_schema(
        summary="Back up the whole database",
        description="Runs pg_dump now and verifies it.",
        request=None,
        responses={201: BackupSerializer},
    )
    def post(self, request):
        body_input(request, NoInput)
        return Response(
            BackupSerializer(backup_all(actor=request.user, request=request)).data, status=status.HTTP_201_CREATED
        )


class TenantBackupView(PolicyAPIView):
    required_action = Action.MANAGE_TENANT_LIFECYCLE
    serializer_class = BackupSerializer

    @extend_schema(
        summary="Back up a tenant",
        description="Dumps the tenant's schema now and verifies it.",
        request=None,
        responses={201: BackupSerializer},
    )
    def post(self, request, tenant_id: int):
        body_input(request, NoInput)
        return Response(
            BackupSerializer(
                backup_tenant(tenant=customer_tenant_or_404(tenant_id), actor=request.user, request=request)
            ).data,
            status=status.HTTP_201_CREATED,
        )


class BackupRestoreView(PolicyAPIView):
    """POST {"slug": optional new slug} restores a tenant backup."""

    required_action = Action.MANAGE_TENANT_LIFECYCLE

    @extend_schema(
        summary="Restore a tenant backup",
        description="Restores into the backup's tenant, or into a new tenant when `slug` is given.",
        request=RestoreInput,
        responses={200: TenantStatusSerializer},
    )
    def post(self, request, backup_id: int):
        slug = body_input(request, RestoreInput)["slug"]
        backup = get_object_or_404(Backup, pk=backup_id)
        tenant = restore_tenant(backup=backup, target_slug=slug or None, actor=request.user, request=request)
        return Response({"id": tenant.pk, "slug": tenant.slug, "status": tenant.status})
