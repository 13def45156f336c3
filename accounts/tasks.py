from datetime import timedelta

from django.utils import timezone

from accounts.models import LoginHandoff
from alquimista.celery import app


@app.task(name="accounts.purge_login_handoffs")
def purge_login_handoffs() -> int:
    """Drop login tickets that expired more than a day ago; they can never be redeemed."""
    deleted, _ = LoginHandoff.objects.filter(expires_at__lt=timezone.now() - timedelta(days=1)).delete()
    return deleted


@app.task(name="accounts.close_expired_view_as")
def close_expired_view_as() -> int:
    from accounts.view_as import view_as_close_expired

    return view_as_close_expired()
