"""Formatting of dashboard figures; "—" where there is nothing to show (no traffic)."""

from django import template

register = template.Library()


def _as_percent(value, digits: int) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{digits}f}%"


@register.filter
def rate(value):
    """A rate (0.9876) as "98.8%"."""
    return _as_percent(value, 1)


@register.filter
def percent(value):
    """A small rate (0.0123) as "1.23%"."""
    return _as_percent(value, 2)


@register.filter
def share(part, whole):
    """part / whole as a percentage; "—" when whole is zero."""
    return percent(part / whole) if whole else "—"


@register.filter
def ms(value):
    """Milliseconds, rounded: "412 ms"."""
    if value is None or value == "":
        return "—"
    return f"{float(value):,.0f} ms"
