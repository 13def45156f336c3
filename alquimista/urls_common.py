"""Routes served on every host, public and tenant."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from dashboards import account_views, views
from dashboards.access import login_required_here

handler403 = "alquimista.views.permission_denied"
handler404 = "alquimista.views.not_found"
handler500 = "alquimista.views.server_error"

# Redoc draws with styled-components, which injects <style> elements, and searches in a blob: worker: this
# page alone (no user data on it) may do both. Its scripts still come only from our own static files.
api_docs = csp_update({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
    SpectacularRedocView.as_view(url_name="api-schema")
)

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the page links: the icon, never a 404.
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True), name="favicon"),
    path("", views.home, name="home"),
    path("login/", account_views.OpsLoginView.as_view(), name="login"),
    path("login/handoff", views.login_handoff, name="login-handoff"),
    path("logout/", account_views.OpsLogoutView.as_view(), name="logout"),
    path("password-reset/", account_views.TenantPasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    # Setting a password from the mailed link logs the person in: the path past a network's login lockout.
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            post_reset_login=True, post_reset_login_backend="django.contrib.auth.backends.ModelBackend"
        ),
        name="password_reset_confirm",
    ),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password/", login_required_here(auth_views.PasswordChangeView.as_view()), name="password_change"),
    path(
        "password/done/", login_required_here(auth_views.PasswordChangeDoneView.as_view()), name="password_change_done"
    ),
    path("profile", account_views.profile, name="profile"),
    # One contract for both hosts (each path names its own server), served on either.
    path("api/schema", SpectacularAPIView.as_view(urlconf="alquimista.urls_api"), name="api-schema"),
    path("api/docs", api_docs, name="api-docs"),
]
