"""Audit events for authentication, whichever path (form, SSO, hand-off) it took; API-key cache upkeep."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.api_keys import api_key_forget
from accounts.middleware import bind_session_to_tenant
from accounts.models import ApiKey
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


@receiver(post_save, sender=ApiKey)
@receiver(post_delete, sender=ApiKey)
def _api_key_changed(sender, instance, **kwargs):
    # Saved or deleted by any path (the admin, a tenant's deletion): the cached row must not outlive it.
    api_key_forget(instance.prefix)
