"""A tenant's outbound webhooks, for its admins: endpoints, a test send, the recent deliveries."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.policy import Action
from dashboards.access import page_post_requires, page_requires
from dashboards.forms import WebhookEndpointForm
from dashboards.messages import form_error_add
from webhooks.models import WebhookEndpoint
from webhooks.services import delivery_test, endpoint_create, endpoint_delete

RECENT_DELIVERIES = 5


def _endpoints(tenant):
    return WebhookEndpoint.objects.filter(tenant=tenant)


@page_requires(Action.MANAGE_WEBHOOKS)
def webhooks_page(request):
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint_create(tenant=request.tenant, actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            form_error_add(form, error)
        else:
            messages.success(request, _("Endpoint added: events are sent to it from now on."))
            return redirect("tenant-webhooks")
    endpoints = [(endpoint, endpoint.deliveries.all()[:RECENT_DELIVERIES]) for endpoint in _endpoints(request.tenant)]
    context = {"form": form, "endpoints": endpoints}
    return render(request, "webhooks/webhooks.html", context, status=400 if form.errors else 200)


@page_post_requires(Action.MANAGE_WEBHOOKS)
def webhook_test_page(request, endpoint_id: int):
    delivery = delivery_test(endpoint=get_object_or_404(_endpoints(request.tenant), pk=endpoint_id))
    if delivery.status == "delivered":
        messages.success(
            request, _("Test event delivered: the endpoint answered %(code)s.") % {"code": delivery.response_status}
        )
    else:
        messages.error(request, _("Test event not delivered: %(error)s") % {"error": delivery.last_error})
    return redirect("tenant-webhooks")


@page_post_requires(Action.MANAGE_WEBHOOKS)
def webhook_delete_page(request, endpoint_id: int):
    endpoint = get_object_or_404(_endpoints(request.tenant), pk=endpoint_id)
    endpoint_delete(endpoint=endpoint, actor=request.user, request=request)
    messages.success(request, _("Endpoint removed."))
    return redirect("tenant-webhooks")
