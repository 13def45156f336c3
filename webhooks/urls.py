from django.urls import path

from webhooks import api

VIEWS = [
    ("webhooks", api.WebhooksView, "webhooks"),
    ("webhooks/<int:endpoint_id>", api.WebhookView, "webhook"),
    ("webhooks/<int:endpoint_id>/test", api.WebhookTestView, "webhook-test"),
    ("webhooks/<int:endpoint_id>/deliveries", api.WebhookDeliveriesView, "webhook-deliveries"),
    (
        "webhooks/<int:endpoint_id>/deliveries/<uuid:delivery_id>/redeliver",
        api.WebhookRedeliverView,
        "webhook-redeliver",
    ),
]

tenant_api = [
    path(f"api/tenant/{route}", api.for_tenants(view).as_view(), name=f"api-tenant-{name}")
    for route, view, name in VIEWS
]
internal_api = [
    path(f"api/internal/{route}", api.for_company(view).as_view(), name=f"api-internal-{name}")
    for route, view, name in VIEWS
]
