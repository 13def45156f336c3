"""Outbound webhooks: a tenant's admins manage their tenant's endpoints; internal admins the company's."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.response import Response

from accounts.policy import Action
from core.api.inputs import body_input
from core.api.views import PolicyAPIView
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.serializers import WebhookDeliverySerializer, WebhookEndpointInputSerializer, WebhookEndpointSerializer
from webhooks.services import (
    delivery_redeliver,
    delivery_test,
    endpoint_create,
    endpoint_delete,
    endpoint_update,
)

EXAMPLE = OpenApiExample(
    "Commands and incidents",
    request_only=True,
    value={"url": "https://example.com/hooks/alquimista", "events": ["command.finished", "incident.opened"]},
)


class Scoped:
    """The endpoints of the host's tenant (tenant API) or the company's (internal API)."""

    def owner(self):
        return None if self.request.tenant.is_public else self.request.tenant

    def endpoints(self):
        return WebhookEndpoint.objects.filter(tenant=self.owner()).select_related("created_by")

    def endpoint(self, endpoint_id: int) -> WebhookEndpoint:
        return get_object_or_404(self.endpoints(), pk=endpoint_id)


class WebhooksView(Scoped, PolicyAPIView):
    list_view = True
    serializer_class = WebhookEndpointSerializer

    @extend_schema(summary="List webhook endpoints", responses=WebhookEndpointSerializer)
    def get(self, request):
        page = self.paginate_queryset(self.endpoints())
        return self.get_paginated_response(WebhookEndpointSerializer(page, many=True).data)

    @extend_schema(
        summary="Register a webhook endpoint",
        description='Events are POSTed as JSON, signed (`Alquimista-Signature`, see README "Webhooks"), retried '
        "with backoff for about 9 hours until a 2xx.",
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointSerializer},
        examples=[EXAMPLE],
    )
    def post(self, request):
        data = body_input(request, WebhookEndpointInputSerializer)
        endpoint = endpoint_create(
            tenant=self.owner(),
            url=data["url"],
            events=sorted(data["events"]),
            description=data["description"],
            enabled=data["enabled"],
            actor=request.user,
            request=request,
        )
        return Response(WebhookEndpointSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookView(Scoped, PolicyAPIView):
    serializer_class = WebhookEndpointSerializer

    @extend_schema(summary="A webhook endpoint", responses={200: WebhookEndpointSerializer})
    def get(self, request, endpoint_id: int):
        return Response(WebhookEndpointSerializer(self.endpoint(endpoint_id)).data)

    @extend_schema(
        summary="Change a webhook endpoint",
        request=WebhookEndpointInputSerializer(partial=True),
        responses={200: WebhookEndpointSerializer},
    )
    def patch(self, request, endpoint_id: int):
        endpoint = self.endpoint(endpoint_id)
        serializer = WebhookEndpointInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = {**serializer.validated_data}
        if "events" in data:
            data["events"] = sorted(data["events"])
        endpoint = endpoint_update(endpoint=endpoint, data=data, actor=request.user, request=request)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(summary="Remove a webhook endpoint and its delivery log", responses={204: None})
    def delete(self, request, endpoint_id: int):
        endpoint_delete(endpoint=self.endpoint(endpoint_id), actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookTestView(Scoped, PolicyAPIView):
    @extend_schema(
        summary="Send a test event now",
        description="A signed `ping` event, sent at once (even to a disabled endpoint): the answer is the delivery, "
        "with the receiver's status code or the reason it failed.",
        request=None,
        responses={200: WebhookDeliverySerializer},
    )
    def post(self, request, endpoint_id: int):
        return Response(WebhookDeliverySerializer(delivery_test(endpoint=self.endpoint(endpoint_id))).data)


class WebhookDeliveriesView(Scoped, PolicyAPIView):
    list_view = True
    serializer_class = WebhookDeliverySerializer

    @extend_schema(summary="An endpoint's deliveries, newest first", responses=WebhookDeliverySerializer)
    def get(self, request, endpoint_id: int):
        page = self.paginate_queryset(self.endpoint(endpoint_id).deliveries.all())
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class WebhookRedeliverView(Scoped, PolicyAPIView):
    @extend_schema(
        summary="Deliver an event again",
        description="The same event (same payload and event id) as a new delivery, sent by a worker.",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    def post(self, request, endpoint_id: int, delivery_id):
        delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, endpoint=self.endpoint(endpoint_id))
        again = delivery_redeliver(delivery=delivery, actor=request.user, request=request)
        return Response(WebhookDeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)


def for_tenants(view):
    return type(f"Tenant{view.__name__}", (view,), {"required_action": Action.MANAGE_WEBHOOKS})


def for_company(view):
    return type(f"Company{view.__name__}", (view,), {"required_action": Action.MANAGE_COMPANY_WEBHOOKS})
