from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core import signing
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import INTERNAL_ROLES, Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Lives in the public schema; e-mail is the login."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    # Django admin access; set for internal staff only.
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email

    @property
    def internal_role(self) -> Role | None:
        """INTERNAL_ADMIN wins over INTERNAL_SUPPORT when a user is in both groups."""
        names = {group.name for group in self.groups.all()}
        for role in INTERNAL_ROLES:
            if role.value in names:
                return role
        return None


class Membership(models.Model):
    """A user's role in one tenant."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        max_length=20,
        choices=[(Role.TENANT_ADMIN, Role.TENANT_ADMIN.label), (Role.TENANT_USER, Role.TENANT_USER.label)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="membership_user_tenant_unique")]

    def __str__(self):
        return f"{self.user} → {self.tenant} ({self.role})"


class LoginHandoff(models.Model):
    """A one-time, short-lived ticket that carries a login from one host to another.

    Sessions are host-only cookies, so a user who logs in on the public host and belongs
    to a tenant is sent to the tenant's host with a ticket; only its hash is stored.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    next_path = models.CharField(max_length=500, default="/")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"login ticket for {self.user_id} on tenant {self.tenant_id}"


class ApiKey(models.Model):
    """A tenant's key for REST clients. Only a SHA-256 of the secret part is kept.

    The raw key is `alq_<prefix>_<secret>`: the prefix is shown in lists to tell keys
    apart, the secret is shown once at creation and never again.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read tenant data"
        INGEST = "ingest", "Report agent requests"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class StaffToken(models.Model):
    """A staff member's personal access token for the internal API. Only a SHA-256 of the secret is kept.

    The raw token is `alq_pat_<prefix>_<secret>`, shown once. It acts as its owner, within its scopes
    (accounts.policy.TOKEN_SCOPE_ACTIONS) and the owner's current role, on the company's host only.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read the company panel's data and the audit log")
        COMMANDS = "commands", _("Create and manage operational commands")
        LIFECYCLE = "lifecycle", _("Provision, suspend, reactivate and archive tenants (admins)")
        BILLING = "billing", _("Read prices, costs and billing (admins)")
        KEYS = "keys", _("Manage tenants' API keys (admins)")

    ADMIN_SCOPES = frozenset({Scope.LIFECYCLE, Scope.BILLING, Scope.KEYS})

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class ViewAsSession(models.Model):
    """Staff looking at a tenant's dashboard read-only, as the tenant sees it. Audited, 30 minutes at most."""

    staff = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, blank=True)
    pages = models.JSONField(default=list)

    def __str__(self):
        return f"{self.staff} viewing {self.tenant} from {self.started_at:%Y-%m-%d %H:%M}"


class Invitation(models.Model):
    """An existing account asked to join a tenant; it joins only when its owner accepts.

    The tenant sees only the e-mail its admin typed until then. The link mailed to the person
    carries a signed token of this row's id; the status makes it one-time.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    TOKEN_SALT = "accounts.invitation"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(
        max_length=20,
        choices=[(Role.TENANT_ADMIN, Role.TENANT_ADMIN.label), (Role.TENANT_USER, Role.TENANT_USER.label)],
    )
    invited_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "email"],
                condition=models.Q(status="pending"),
                name="invitation_one_pending_per_tenant_email",
            )
        ]

    def __str__(self):
        return f"{self.email} invited to {self.tenant_id} ({self.status})"

    @property
    def token(self) -> str:
        return signing.dumps(self.pk, salt=self.TOKEN_SALT)
