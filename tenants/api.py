from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from accounts.policy import Action
from alquimista.api.views import PolicyAPIView
from tenants.serializers import TenantMeSerializer


class TenantMeView(PolicyAPIView):
    """The caller's tenant, its plan and limits."""

    required_action = Action.VIEW_TENANT_DASHBOARD
    serializer_class = TenantMeSerializer

    @extend_schema(responses=TenantMeSerializer)
    def get(self, request):
        return Response(TenantMeSerializer(request.tenant).data)
