"""Chart.js configurations for the client dashboard and the company panel, built in one place.

Each function returns the JSON that `static/js/charts.js` reads from a `json_script` element:
{"type", "labels", "datasets": [{"label", "data", "color"?, "axis"?}], "stacked"?}.
"""

from collections import Counter

from django.utils.translation import gettext as _

FAILURES_COLOR = ERRORS_COLOR = "#dc2626"
TIMEOUTS_COLOR = "#d97706"
TOKENS_OUT_COLOR = "#0891b2"


def _days(series) -> list[str]:
    return [day["day"] for day in series]


def requests_chart(series) -> dict:
    """Requests per day."""
    return {"type": "line", "labels": _days(series), "datasets": [_dataset(_("Requests"), series, "requests")]}


def requests_and_failures_chart(series, failures=lambda day: day["failures"]) -> dict:
    """Requests and failures per day; failures on their own axis, being orders of magnitude fewer."""
    return {
        "type": "line",
        "labels": _days(series),
        "datasets": [
            _dataset(_("Requests"), series, "requests"),
            {"label": _("Failures"), "data": [failures(day) for day in series], "color": FAILURES_COLOR, "axis": "y2"},
        ],
    }


def requests_errors_timeouts_chart(series) -> dict:
    """Requests per day; errors and timeouts on their own axis, being orders of magnitude fewer."""
    return {
        "type": "line",
        "labels": _days(series),
        "datasets": [
            _dataset(_("Requests"), series, "requests"),
            {**_dataset(_("Errors"), series, "errors"), "color": ERRORS_COLOR, "axis": "y2"},
            {**_dataset(_("Timeouts"), series, "timeouts"), "color": TIMEOUTS_COLOR, "axis": "y2"},
        ],
    }


def tokens_chart(series) -> dict:
    """Tokens in and out per day, stacked."""
    return {
        "type": "bar",
        "stacked": True,
        "labels": _days(series),
        "datasets": [
            _dataset(_("Tokens in"), series, "tokens_in"),
            {**_dataset(_("Tokens out"), series, "tokens_out"), "color": TOKENS_OUT_COLOR},
        ],
    }


def bar_chart(labels, label: str, values) -> dict:
    """One bar per label (names, plans…), values as numbers (Decimals become floats for JSON)."""
    return {"type": "bar", "labels": list(labels), "datasets": [{"label": label, "data": [float(v) for v in values]}]}


def counts_chart(counts: Counter, label: str) -> dict:
    """One bar per counted value, in the values' order."""
    labels = sorted(counts)
    return {"type": "bar", "labels": labels, "datasets": [{"label": label, "data": [counts[key] for key in labels]}]}


def _dataset(label: str, series, key: str) -> dict:
    return {"label": label, "data": [day[key] for day in series]}
