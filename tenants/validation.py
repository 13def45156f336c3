"""Rules for tenant slugs: a DNS label that also makes a safe PostgreSQL schema name."""

import re

from django.core.exceptions import ValidationError

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "www",
        "admin",
        "api",
        "app",
        "public",
        "static",
        "media",
        "mail",
        "smtp",
        "ftp",
        "status",
        "help",
        "support",
        "docs",
        "login",
        "auth",
        "sso",
        "metrics",
        "internal",
        "template",
        "tenant-template",
        "information-schema",
    }
)


def validate_slug(slug: str) -> None:
    if not SLUG_PATTERN.match(slug or ""):
        raise ValidationError(
            {
                "slug": "Use 3–40 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen."
            }
        )
    if "--" in slug:
        raise ValidationError({"slug": "Two hyphens in a row are not allowed."})
    if slug in RESERVED_SLUGS or slug.startswith("pg-"):
        raise ValidationError({"slug": f"“{slug}” is reserved."})


def schema_name_for(slug: str) -> str:
    return slug.replace("-", "_")
