from rest_framework import authentication, exceptions

from accounts.api_keys import api_key_authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key alq_<prefix>_<secret>` (or `X-API-Key`), valid on its tenant's host only."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        raw = ""
        if header.startswith(f"{self.keyword} "):
            raw = header[len(self.keyword) + 1 :].strip()
        elif request.META.get("HTTP_X_API_KEY"):
            raw = request.META["HTTP_X_API_KEY"].strip()
        if not raw:
            return None
        principal = api_key_authenticate(raw=raw, tenant=getattr(request._request, "tenant", None))
        if principal is None:
            raise exceptions.AuthenticationFailed("Invalid, revoked or foreign API key.")
        return principal, principal.key

    def authenticate_header(self, request):
        return self.keyword
