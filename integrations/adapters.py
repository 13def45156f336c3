"""Health-check adapters: can we reach an integration's service with its current credential?

Each kind checks that its credential is in the secret store, then, when an endpoint is
configured for that kind (INTEGRATION_HEALTH_URLS), calls it over HTTP with the token.
Without an endpoint only the credential is checked, and the result says so.
"""

import time
from dataclasses import dataclass

import requests
import structlog
from django.conf import settings

from integrations.models import Integration
from vault import SecretNotFound, SecretStoreError, get_secret_store

logger = structlog.get_logger(__name__)

TIMEOUT_SECONDS = 3


@dataclass(frozen=True)
class CheckResult:
    status: str  # ok | warn | fail
    integration_status: str
    detail: str
    ms: float | None = None


def check_integration(integration: Integration) -> CheckResult:
    if not integration.secret_ref:
        return CheckResult(
            "fail", Integration.Status.REAUTH_REQUIRED, "no credential stored: reconnect the integration"
        )
    try:
        token = get_secret_store().get(integration.secret_ref)
    except SecretNotFound:
        return CheckResult("fail", Integration.Status.REAUTH_REQUIRED, "credential missing from the secret store")
    except SecretStoreError as exc:
        # The store's own message names the secret; the detail is shown to the tenant (last_error), the log is not.
        logger.warning("integration_secret_unreadable", integration=integration.pk, error=str(exc))
        return CheckResult("fail", Integration.Status.DOWN, "secret store error: the credential could not be read")
    url = settings.INTEGRATION_HEALTH_URLS.get(integration.kind)
    if not url:
        status = (
            Integration.Status.REAUTH_REQUIRED
            if integration.status == Integration.Status.REAUTH_REQUIRED
            else Integration.Status.OK
        )
        return CheckResult(
            "ok" if status == Integration.Status.OK else "fail",
            status,
            "credential present; no endpoint configured to call",
        )
    started = time.perf_counter()
    try:
        response = requests.get(url, headers={"Authorization": f"Bearer {token.reveal()}"}, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        return CheckResult(
            "fail",
            Integration.Status.DOWN,
            f"unreachable: {type(exc).__name__}",
            round((time.perf_counter() - started) * 1000, 1),
        )
    ms = round((time.perf_counter() - started) * 1000, 1)
    if response.status_code in (401, 403):
        return CheckResult(
            "fail", Integration.Status.REAUTH_REQUIRED, f"credential refused ({response.status_code})", ms
        )
    if response.status_code >= 500:
        return CheckResult("fail", Integration.Status.DOWN, f"service error ({response.status_code})", ms)
    if response.status_code >= 400 or ms > 2000:
        return CheckResult("warn", Integration.Status.DEGRADED, f"answered {response.status_code} in {ms} ms", ms)
    return CheckResult("ok", Integration.Status.OK, f"answered {response.status_code} in {ms} ms", ms)
