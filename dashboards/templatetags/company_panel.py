"""Formatting of the company panel's figures."""

from django import template

register = template.Library()


@register.filter
def percent(rate):
    """A rate (0.0123) as "1.23%"; "—" when there is none (no traffic)."""
    if rate is None or rate == "":
        return "—"
    return f"{float(rate) * 100:.2f}%"


@register.filter
def share(part, whole):
    """part / whole as a percentage; "—" when whole is zero."""
    return percent(part / whole) if whole else "—"
