"""Defensive response headers Django does not send itself.

Content-Security-Policy comes from django-csp, HSTS, Referrer-Policy and Cross-Origin-Opener-Policy
from Django's SecurityMiddleware (all configured in settings). This adds the rest: a Permissions-Policy
on every response, and no caching of what a signed-in user was shown, so tenant data does not stay in
the browser's cache (or a shared proxy's) after logging out.
"""

# Browser features no page here uses; `()` denies them to the page and to anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)
PRIVATE_NO_STORE = "private, no-store"


def _signed_in(request) -> bool:
    # No `user` when an outer middleware (the tenant lookup, whitenoise) answered before authentication ran.
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def _is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


class SecurityHeadersMiddleware:
    """Permissions-Policy everywhere; `Cache-Control: private, no-store` on every page shown to a signed-in
    user, and on their other responses that chose no caching of their own (the API sets its own; kept)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if _signed_in(request) and (_is_html(response) or not response.has_header("Cache-Control")):
            response["Cache-Control"] = PRIVATE_NO_STORE
        return response
