"""Internal API for the tenant lifecycle: provisioning, suspension, credentials, backups (INTERNAL_ADMIN)."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.policy import Action
from core.api.views import PolicyAPIView
from core.tasks import publish_on_commit
from core.tenancy import customer_tenant_or_404
from tenants.backups import backup_all, backup_tenant, restore_tenant
from tenants.lifecycle import credential_rotate, tenant_archive, tenant_secrets, tenant_transition
from tenants.models import Backup, ProvisioningRun, Tenant


class ProvisionRequestSerializer(serializers.Serializer):
    """Shapes only; the provisioning service validates the values and names every bad field at once."""

    slug = serializers.CharField(max_length=40, allow_blank=True)
    name = serializers.CharField(max_length=200, allow_blank=True)
    plan = serializers.CharField(max_length=40, allow_blank=True)
    owner_name = serializers.CharField(max_length=200, allow_blank=True)
    owner_email = serializers.CharField(max_length=254, allow_blank=True)
    owner_squad = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    sla = serializers.ChoiceField(choices=Tenant.Sla.choices, default=Tenant.Sla.STANDARD)
    contacts = serializers.ListField(child=serializers.DictField(), required=False, default=list)


class ProvisioningRunSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code")
    requested_by = serializers.EmailField(source="requested_by.email", default=None)
    tenant_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = ProvisioningRun
        fields = [
            "id",
            "slug",
            "name",
            "plan",
            "owner_name",
            "owner_email",
            "sla",
            "status",
            "steps",
            "error",
            "failed_step",
            "tenant_id",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]


class BackupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Backup
        fields = ["id", "kind", "tenant_slug", "location", "size_bytes", "verified", "entries", "created_at"]


def json_object(request) -> dict:
    """The request body as a JSON object; a list or a bare value is a 400 naming the body."""
    if not isinstance(request.data, dict):
        raise ValidationError({"body": "Send a JSON object."})
    return request.data


def string_field(data: dict, name: str, default: str | None = "") -> str | None:
    value = data.get(name, default)
    if value is not None and not isinstance(value, str):
        raise ValidationError({name: "Must be a string."})
    return value


def provision_start(run: ProvisioningRun) -> None:
    from tenants.tasks import provision_tenant  # noqa: PLC0415  (cycle: the tasks call this module)

    publish_on_commit(provision_tenant, str(run.pk))


class ProvisioningRunView(PolicyAPIView):
    required_action = Action.MANAGE_TENANT_LIFECYCLE
    serializer_class = ProvisioningRunSerializer

    def get(self, request, run_id):
        return Response(
            ProvisioningRunSerializer(
                get_object_or_404(ProvisioningRun.objects.select_related("plan", "requested_by"), pk=run_id)
            ).data
        )


class TenantTransitionView(PolicyAPIView):
    """POST …/tenants/{id}/suspend | resume | archive."""

    required_action = Action.MANAGE_TENANT_LIFECYCLE
    transition = ""

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request, tenant_id: int):
        data = json_object(request)
        tenant = customer_tenant_or_404(tenant_id)
        if self.transition == "archive":
            tenant = tenant_archive(tenant=tenant, actor=request.user, request=request)
        else:
            tenant = tenant_transition(
                tenant=tenant,
                to=self.transition,
                actor=request.user,
                reason=string_field(data, "reason"),
                request=request,
            )
        return Response({"id": tenant.pk, "slug": tenant.slug, "status": tenant.status})


class TenantSecretsView(PolicyAPIView):
    """Names, versions, tags and dates of a tenant's platform secrets; POST {"name": …} rotates one."""

    required_actions = {"GET": Action.VIEW_COMPANY_PANEL, "POST": Action.ROTATE_CREDENTIALS}

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, tenant_id: int):
        tenant = customer_tenant_or_404(tenant_id)
        return Response(
            [
                {"name": m.name, "version": m.version, "tags": m.tags, "created_at": m.created_at}
                for m in tenant_secrets(tenant)
            ]
        )

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request, tenant_id: int):
        name = string_field(json_object(request), "name")
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

    def get(self, request):
        page = self.paginate_queryset(Backup.objects.all())
        return self.get_paginated_response(BackupSerializer(page, many=True).data)

    @extend_schema(request=None, responses={201: BackupSerializer})
    def post(self, request):
        json_object(request)
        return Response(
            BackupSerializer(backup_all(actor=request.user, request=request)).data, status=status.HTTP_201_CREATED
        )


class TenantBackupView(PolicyAPIView):
    required_action = Action.MANAGE_TENANT_LIFECYCLE
    serializer_class = BackupSerializer

    @extend_schema(request=None, responses={201: BackupSerializer})
    def post(self, request, tenant_id: int):
        json_object(request)
        return Response(
            BackupSerializer(
                backup_tenant(tenant=customer_tenant_or_404(tenant_id), actor=request.user, request=request)
            ).data,
            status=status.HTTP_201_CREATED,
        )


class BackupRestoreView(PolicyAPIView):
    """POST {"slug": optional new slug} restores a tenant backup."""

    required_action = Action.MANAGE_TENANT_LIFECYCLE

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request, backup_id: int):
        slug = string_field(json_object(request), "slug", default=None)
        backup = get_object_or_404(Backup, pk=backup_id)
        tenant = restore_tenant(backup=backup, target_slug=slug or None, actor=request.user, request=request)
        return Response({"id": tenant.pk, "slug": tenant.slug, "status": tenant.status})
