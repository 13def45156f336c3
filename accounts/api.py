"""API keys endpoints: a tenant admin on their host, an internal admin for any tenant."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts.api_keys import api_key_create, api_key_revoke
from accounts.models import ApiKey
from accounts.policy import Action
from accounts.serializers import ApiKeyCreatedSerializer, ApiKeyCreateSerializer, ApiKeySerializer
from core.api.inputs import body_input
from core.api.views import PolicyAPIView
from core.tenancy import customer_tenant_or_404


class ApiKeysMixin:
    serializer_class = ApiKeySerializer

    def key_tenant(self):
        raise NotImplementedError

    def get_queryset(self):
        return ApiKey.objects.filter(tenant=self.key_tenant()).select_related("created_by")

    @extend_schema(responses=ApiKeySerializer(many=True))
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ApiKeySerializer(page, many=True).data)

    @extend_schema(request=ApiKeyCreateSerializer, responses={201: ApiKeyCreatedSerializer})
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

    @extend_schema(request=None, responses=ApiKeySerializer)
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
