"""Routes served on every host, public and tenant."""
from django.contrib.auth import views as auth_views
from django.urls import path

from dashboards import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=False), name="login"),
    path("login/handoff", views.login_handoff, name="login-handoff"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
