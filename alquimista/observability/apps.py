from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "alquimista.observability"
    label = "observability"

    def ready(self):
        from alquimista.observability import celery_metrics  # noqa: F401  (connects Celery signals)
