"""Login lockout rules on top of django-axes.

- A user name is locked after LOGIN_FAILURE_LIMIT failures (settings.AXES_LOCKOUT_PARAMETERS:
  per user name, and per user name + IP), whatever the password tried next.
- An IP address has its own, higher ceiling (LOGIN_IP_FAILURE_LIMIT) against password spraying.
  People behind one NAT should not lock each other out, so a user name that logged in successfully
  from this IP recently is still let through to the password check; anyone else is refused and
  told it is the network, not their account, that is paused.

The lock that refused a request is left on `request.login_lock` for the lockout page.
"""

from datetime import timedelta
from enum import StrEnum

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

# How recent a successful login from an IP must be for that user name to pass the IP ceiling.
KNOWN_ADDRESS_DAYS = 30


class LoginLock(StrEnum):
    USER = "user"
    NETWORK = "network"


def login_username(request, credentials: dict | None = None) -> str | None:
    """The user name an attempt is counted under (AXES_USERNAME_CALLABLE): the e-mail as the user
    model stores it (trimmed, lower case), so `Admin@Acme.test` and `admin@acme.test` share one count."""
    if credentials is not None:
        raw = credentials.get("username")
    else:
        raw = getattr(request, "POST", {}).get("username")
    if not raw:
        return None
    return str(raw).replace("\0", "").strip().lower()[:254] or None


def ip_failures(ip_address: str | None) -> int:
    """Failures from this IP, under any user name, within the lockout period."""
    if not ip_address:
        return 0
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


def known_from(username: str | None, ip_address: str | None) -> bool:
    """This user name logged in successfully from this IP in the last KNOWN_ADDRESS_DAYS days."""
    if not username or not ip_address:
        return False
    since = timezone.now() - timedelta(days=KNOWN_ADDRESS_DAYS)
    return AccessLog.objects.filter(username=username, ip_address=ip_address, attempt_time__gte=since).exists()


class LoginProtectionHandler(AxesDatabaseHandler):
    """AXES_HANDLER: axes' per-user-name lock, plus the per-IP ceiling described above."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            request.login_lock = LoginLock.USER
            return True
        ip_address = request.axes_ip_address
        if ip_failures(ip_address) < settings.LOGIN_IP_FAILURE_LIMIT:
            return False
        if known_from(get_client_username(request, credentials), ip_address):
            return False
        request.login_lock = LoginLock.NETWORK
        return True
