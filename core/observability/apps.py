from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "core.observability"
    label = "observability"

    def ready(self):
        from core.observability import celery_metrics  # noqa: F401  (connects Celery signals)
