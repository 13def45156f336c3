"""The hosts this deployment answers on: the public host and one per tenant (`<slug>.BASE_DOMAIN`)."""

from django.conf import settings


def tenant_host(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def _origin(host: str) -> str:
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{host}{port}"


def tenant_url(tenant, path: str = "/") -> str:
    """Absolute URL on a tenant's host (or the public host for the public tenant)."""
    host = settings.BASE_DOMAIN if tenant.is_public else tenant_host(tenant.slug)
    return f"{_origin(host)}{path}"


def public_url(path: str = "/") -> str:
    return f"{_origin(settings.BASE_DOMAIN)}{path}"
