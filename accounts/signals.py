"""Audit events for authentication, whichever path (form, SSO, hand-off) it took."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.middleware import bind_session_to_tenant
from audit.services import event_record


def _tenant_of(request):
    return getattr(request, "tenant", None) if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    bind_session_to_tenant(request)
    event_record(action="auth.login", actor=user, tenant=_tenant_of(request), request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        event_record(action="auth.logout", actor=user, tenant=_tenant_of(request), request=request)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in `credentials`; only the name attempted is kept.
    event_record(
        action="auth.login_failed",
        actor_email=str(credentials.get("username", ""))[:254],
        tenant=_tenant_of(request),
        request=request,
    )
