"""Formatting of the client dashboard's figures; "—" where there is nothing to show (no traffic)."""

from django import template

register = template.Library()


@register.filter
def rate(value):
    """A rate (0.9876) as "98.8%"."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"


@register.filter
def ms(value):
    """Milliseconds, rounded: "412 ms"."""
    if value is None or value == "":
        return "—"
    return f"{float(value):,.0f} ms"
