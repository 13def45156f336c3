"""OIDC single sign-on: claims → user, internal role and tenant membership, re-synced at every login.

Groups come from OIDC_GROUPS_CLAIM (default `groups`; Cognito's `cognito:groups` is read
too), in the verified ID token or else in userinfo. A group named like a role (INTERNAL_ADMIN, …) maps to it, and OIDC_GROUP_ROLE_MAP
adds other names. Tenant roles need the tenant claim (OIDC_TENANT_CLAIM: a slug or id).
Claims that give no known role, or say email_verified false, are refused before any user row
is written.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_tenants.utils import get_tenant_model
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.contrib.drf import OIDCAuthentication
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from accounts.models import Membership, User
from accounts.roles import INTERNAL_ROLES, Role
from accounts.services import internal_role_set, membership_remove, membership_set, user_ensure
from core.api.params import whole_number


@dataclass(frozen=True)
class ClaimedAccess:
    internal: Role | None
    tenant: object | None  # a tenants.Tenant
    tenant_role: Role | None

    @property
    def any(self) -> bool:
        return self.internal is not None or (self.tenant is not None and self.tenant_role is not None)


def group_role_map() -> dict[str, Role]:
    mapping = {role.value: role for role in Role}
    for pair in filter(None, (item.strip() for item in settings.OIDC_GROUP_ROLE_MAP.split(","))):
        group, _, role = pair.partition("=")
        if role.strip() in Role.values:
            mapping[group.strip()] = Role(role.strip())
    return mapping


def claimed_groups(claims: dict) -> list[str]:
    groups = claims.get(settings.OIDC_GROUPS_CLAIM)
    if groups is None:
        groups = claims.get("cognito:groups", [])
    if isinstance(groups, str):
        groups = [part for part in groups.replace(",", " ").split() if part]
    return list(groups or [])


def email_verified(claims: dict) -> bool:
    """False only when the provider says the e-mail is not verified (Cognito sends "false" as a string)."""
    verified = claims.get("email_verified", True)
    return verified is True or str(verified).lower() == "true"


def merged_claims(userinfo: dict, id_token_payload: dict | None) -> dict:
    """Userinfo plus the verified ID token's claims (absent for bearer tokens).

    Cognito's userInfo leaves out cognito:groups, which only the tokens carry: for groups the
    ID token wins; other claims come from userinfo when it has them.
    """
    if not id_token_payload:
        return userinfo
    claims = {**id_token_payload, **userinfo}
    for name in {settings.OIDC_GROUPS_CLAIM, "cognito:groups"}:
        if name in id_token_payload:
            claims[name] = id_token_payload[name]
    return claims


def access_from_claims(claims: dict) -> ClaimedAccess:
    mapping = group_role_map()
    roles = {mapping[group] for group in claimed_groups(claims) if group in mapping}
    internal = next((role for role in INTERNAL_ROLES if role in roles), None)
    tenant_role = (
        Role.TENANT_ADMIN if Role.TENANT_ADMIN in roles else Role.TENANT_USER if Role.TENANT_USER in roles else None
    )
    tenant = None
    reference = str(claims.get(settings.OIDC_TENANT_CLAIM) or "").strip()
    if tenant_role is not None and reference:
        tenant_model = get_tenant_model()
        tenants = tenant_model.objects.customers().exclude(status=tenant_model.Status.ARCHIVED)
        number = whole_number(reference)
        tenant = tenants.filter(slug=reference).first() or (
            tenants.filter(pk=number).first() if number is not None and number < 2**63 else None
        )
    return ClaimedAccess(internal=internal, tenant=tenant, tenant_role=tenant_role if tenant else None)


class OidcRoleBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims):
        email = (claims.get("email") or "").strip()
        return self.UserModel.objects.filter(email__iexact=email) if email else self.UserModel.objects.none()

    def verify_claims(self, claims):
        if not email_verified(claims):
            if getattr(self, "request", None) is not None:
                self.request.sso_refusal = "email_unverified"
            return False
        return super().verify_claims(claims) and access_from_claims(claims).any

    def get_userinfo(self, access_token, id_token, payload):
        # Asked twice per login (revocation check below, then mozilla's own flow): fetch once.
        cached = self.__dict__.setdefault("_userinfo", {})
        if access_token not in cached:
            cached[access_token] = super().get_userinfo(access_token, id_token, payload)
        return merged_claims(cached[access_token], payload)

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if email_verified(claims) and super().verify_claims(claims) and not access_from_claims(claims).any:
            # Refused below; but a known user whose last group was removed loses their roles now.
            for user in self.filter_users_by_claims(claims):
                with transaction.atomic():
                    self._sync(user, claims)
        return super().get_or_create_user(access_token, id_token, payload)

    def create_user(self, claims):
        with transaction.atomic():
            user = user_ensure(email=claims["email"], name=claims.get("name", ""))
            return self._sync(user, claims)

    def update_user(self, user, claims):
        with transaction.atomic():
            if claims.get("name") and claims["name"] != user.name:
                user.name = claims["name"]
                user.save(update_fields=["name"])
            return self._sync(user, claims)

    def _sync(self, user: User, claims: dict) -> User:
        """The provider is the source of truth: roles it no longer grants are removed."""

        access = access_from_claims(claims)
        internal_role_set(user=user, role=access.internal)
        keep = None
        if access.tenant is not None:
            keep = membership_set(user=user, tenant=access.tenant, role=access.tenant_role).pk
        for membership in Membership.objects.filter(user=user).exclude(pk=keep).select_related("tenant"):
            membership_remove(user=user, tenant=membership.tenant, enforce_last_admin=False)
        return user


class OidcBearerAuthentication(OIDCAuthentication):
    """`Authorization: Bearer <OIDC access token>`, validated at the provider's userinfo endpoint."""

    def __init__(self):
        super().__init__(backend=OidcRoleBackend())


class OidcCallbackView(OIDCAuthenticationCallbackView):
    @property
    def failure_url(self):
        if getattr(self.request, "sso_refusal", None) == "email_unverified":
            return "/login/?sso_error=email_unverified"
        return super().failure_url
