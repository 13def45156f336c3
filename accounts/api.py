"""API keys (a tenant admin on their host, an internal admin for any tenant) and staff members' own tokens."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from accounts.api_keys import api_key_create, api_key_revoke
from accounts.models import ApiKey, StaffToken
from accounts.policy import Action
from accounts.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateSerializer,
    ApiKeySerializer,
    StaffTokenCreatedSerializer,
    StaffTokenCreateSerializer,
    StaffTokenSerializer,
)
from accounts.staff_tokens import staff_token_create, staff_token_revoke, staff_tokens_revocable_by
from core.api.inputs import body_input
from core.api.views import PolicyAPIView
from core.tenancy import customer_tenant_or_404


class ApiKeysMixin:
    serializer_class = ApiKeySerializer
    list_view = True

    def key_tenant(self):
        raise NotImplementedError

    def get_queryset(self):
        return ApiKey.objects.filter(tenant=self.key_tenant()).select_related("created_by")

    @extend_schema(summary="List the tenant's API keys", responses=ApiKeySerializer, filters=False)
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ApiKeySerializer(page, many=True).data)

    @extend_schema(
        summary="Create an API key",
        description="The answer holds the raw key in `key`: the only time it is ever shown (only a hash is stored).",
        request=ApiKeyCreateSerializer,
        responses={201: ApiKeyCreatedSerializer},
        examples=[
            OpenApiExample("An ingest key", request_only=True, value={"name": "crm agent", "scopes": ["ingest"]})
        ],
    )
    def post(self, request, *args, **kwargs):
        payload = body_input(request, ApiKeyCreateSerializer)
        key, raw = api_key_create(
            tenant=self.key_tenant(),
            name=payload["name"],
            scopes=sorted(payload["scopes"]),
            actor=request.user,
            request=request,
        )
        key.key = raw
        return Response(ApiKeyCreatedSerializer(key).data, status=status.HTTP_201_CREATED)


class ApiKeyRevokeMixin:
    serializer_class = ApiKeySerializer

    def key_tenant(self):
        raise NotImplementedError

    @extend_schema(
        summary="Revoke an API key",
        description="At once and for good; revoking a revoked key changes nothing and answers it again.",
        request=None,
        responses={200: ApiKeySerializer},
    )
    def post(self, request, *args, key_id: int, **kwargs):
        key = get_object_or_404(ApiKey, pk=key_id, tenant=self.key_tenant())
        return Response(ApiKeySerializer(api_key_revoke(key=key, actor=request.user, request=request)).data)


class TenantApiKeysView(ApiKeysMixin, PolicyAPIView):
    required_action = Action.MANAGE_TENANT_USERS

    def key_tenant(self):
        return self.request.tenant


class TenantApiKeyRevokeView(ApiKeyRevokeMixin, PolicyAPIView):
    required_action = Action.MANAGE_TENANT_USERS

    def key_tenant(self):
        return self.request.tenant


class InternalApiKeysView(ApiKeysMixin, PolicyAPIView):
    required_action = Action.MANAGE_ANY_TENANT_API_KEYS

    def key_tenant(self):
        return customer_tenant_or_404(self.kwargs["tenant_id"])


class InternalApiKeyRevokeView(ApiKeyRevokeMixin, PolicyAPIView):
    required_action = Action.MANAGE_ANY_TENANT_API_KEYS

    def key_tenant(self):
        return customer_tenant_or_404(self.kwargs["tenant_id"])


class StaffTokenManagementMixin:
    """Tokens are managed with a session or an SSO bearer token, never with a staff token itself: a leaked
    token cannot mint more of itself or keep its siblings alive."""

    required_action = Action.VIEW_COMPANY_PANEL
    serializer_class = StaffTokenSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if isinstance(request.auth, StaffToken):
            raise exceptions.PermissionDenied("Staff tokens cannot manage staff tokens; sign in instead.")


class StaffTokensView(StaffTokenManagementMixin, PolicyAPIView):
    list_view = True

    @extend_schema(summary="List your personal access tokens", responses=StaffTokenSerializer)
    def get(self, request):
        page = self.paginate_queryset(StaffToken.objects.filter(user=request.user))
        return self.get_paginated_response(StaffTokenSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a personal access token",
        description="The answer holds the raw token in `token`: the only time it is ever shown. Scopes "
        "`lifecycle`, `billing` and `keys` are for internal admins; the token never exceeds your role.",
        request=StaffTokenCreateSerializer,
        responses={201: StaffTokenCreatedSerializer},
        examples=[
            OpenApiExample(
                "A reporting script",
                request_only=True,
                value={"name": "nightly report", "scopes": ["read"], "expires_in_days": 90},
            )
        ],
    )
    def post(self, request):
        payload = body_input(request, StaffTokenCreateSerializer)
        token, raw = staff_token_create(
            user=request.user,
            name=payload["name"],
            scopes=sorted(payload["scopes"]),
            expires_in_days=payload.get("expires_in_days"),
            request=request,
        )
        token.token = raw
        return Response(StaffTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class StaffTokenRevokeView(StaffTokenManagementMixin, PolicyAPIView):
    @extend_schema(
        summary="Revoke a personal access token",
        description="Your own; an internal admin may revoke anyone's. At once and for good.",
        request=None,
        responses={200: StaffTokenSerializer},
    )
    def post(self, request, token_id: int):
        token = get_object_or_404(staff_tokens_revocable_by(request.user), pk=token_id)
        return Response(StaffTokenSerializer(staff_token_revoke(token=token, actor=request.user, request=request)).data)
