"""A tenant's host (<slug>.BASE_DOMAIN): client dashboard, tenant API."""
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from alquimista.urls_common import urlpatterns as common
from dashboards import views

handler403 = "alquimista.views.permission_denied"
handler404 = "alquimista.views.not_found"
handler500 = "alquimista.views.server_error"

urlpatterns = [
    *common,
    path("app/dashboard", views.client_dashboard, name="client-dashboard"),
    path("api/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
]
