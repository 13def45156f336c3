"""The client's IP address, for the login lockout (django-axes) and the audit log alike.

Behind TRUSTED_PROXY_COUNT proxies (load balancer, ingress…), REMOTE_ADDR is the nearest proxy
and each proxy appends the address it received from to X-Forwarded-For: the client is the
entry the outermost trusted proxy appended. Entries to its left are whatever the client sent.
With no trusted proxy (the default) the header is ignored: anyone can forge it.
"""

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    return _valid(forwarded[-proxies]) or remote
