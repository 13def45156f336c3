from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from accounts.models import LoginHandoff
from accounts.view_as import view_as_close_expired


@shared_task(name="accounts.purge_login_handoffs")
def purge_login_handoffs() -> int:
    """Drop login tickets that expired more than a day ago; they can never be redeemed."""
    deleted, _ = LoginHandoff.objects.filter(expires_at__lt=timezone.now() - timedelta(days=1)).delete()
    return deleted


@shared_task(name="accounts.close_expired_view_as")
def close_expired_view_as() -> int:
    return view_as_close_expired()
