from django.urls import path

from operations import api

tenant_api = [
    path("api/tenant/incidents", api.TenantIncidentsView.as_view(), name="api-tenant-incidents"),
]
internal_api = [
    path("api/internal/incidents", api.InternalIncidentsView.as_view(), name="api-internal-incidents"),
    *[
        path(
            f"api/internal/incidents/<int:incident_id>/{transition}",
            api.InternalIncidentTransitionView.as_view(transition=transition),
            name=f"api-internal-incident-{transition}",
        )
        for transition in ("acknowledge", "resolve")
    ],
    path("api/internal/operations/commands", api.CommandsView.as_view(), name="api-internal-commands"),
    path(
        "api/internal/operations/commands/<uuid:command_id>",
        api.CommandDetailView.as_view(),
        name="api-internal-command",
    ),
    path(
        "api/internal/operations/commands/<uuid:command_id>/cancel",
        api.CommandCancelView.as_view(),
        name="api-internal-command-cancel",
    ),
    path(
        "api/internal/operations/commands/<uuid:command_id>/retry",
        api.CommandRetryView.as_view(),
        name="api-internal-command-retry",
    ),
    path("api/internal/operations/batches", api.BatchesView.as_view(), name="api-internal-batches"),
    path("api/internal/operations/batches/<uuid:batch_id>", api.BatchDetailView.as_view(), name="api-internal-batch"),
    path("api/internal/events", api.EventsView.as_view(), name="api-internal-events"),
]
