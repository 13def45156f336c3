"""Where deliveries may go: http(s) URLs, and never a private, loopback or link-local address unless this
deployment allows it (WEBHOOK_ALLOW_PRIVATE_HOSTS, on in development and tests): a tenant must not be able to
make the platform call its own internal network. Checked when an endpoint is saved and again at each send."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class DestinationRefused(Exception):
    pass


def destination_check(url: str) -> None:
    parts = urlsplit(url)
    allowed_schemes = ("http", "https") if settings.WEBHOOK_ALLOW_PRIVATE_HOSTS else ("https",)
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise DestinationRefused(f"Use an {' or '.join(allowed_schemes)} URL with a host name.")
    if settings.WEBHOOK_ALLOW_PRIVATE_HOSTS:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (OSError, UnicodeError):
        raise DestinationRefused("The host name does not resolve.") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not ip.is_global:
            raise DestinationRefused("The host resolves to a private or reserved address.")
