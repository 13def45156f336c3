"""Identity pages: profile, API keys and users of a tenant (for its admins), view-as."""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import view_as
from accounts.api_keys import api_key_create, api_key_revoke
from accounts.forms import ChangeRoleForm, InviteUserForm, ProfileForm, StaffTokenForm, TenantPasswordResetForm
from accounts.login_protection import LoginLock, login_username
from accounts.models import ApiKey, Invitation, Membership, StaffToken
from accounts.policy import Action, can
from accounts.roles import Role
from accounts.selectors import (
    invitation_by_token,
    memberships_of,
    tenant_invitation,
    tenant_invitations_pending,
    tenant_members,
)
from accounts.services import (
    invitation_accept,
    invitation_cancel,
    invitation_decline,
    membership_remove,
    membership_role_change,
    tenant_user_invite,
)
from accounts.staff_tokens import staff_token_create, staff_token_revoke, staff_tokens_revocable_by
from audit.services import event_record
from core.hosts import public_url
from core.tenancy import customer_tenant_or_404
from dashboards.access import login_required_here, page_post_requires, page_requires
from dashboards.messages import form_error_add
from dashboards.routing import redirect_to_tenant


class OpsLoginView(auth_views.LoginView):
    """E-mail and password; with SSO configured, a button to the provider (through the public host)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_url"] = public_url("/oidc/authenticate/") if settings.OIDC_ENABLED else None
        return context


class OpsLogoutView(auth_views.LogoutView):
    """Logs out here; with OIDC_OP_LOGOUT_ENDPOINT set, a single sign-on user's provider session ends too."""

    def post(self, request, *args, **kwargs):
        end_session = provider_logout_url(request)
        response = super().post(request, *args, **kwargs)
        return redirect(end_session) if end_session else response


def provider_logout_url(request) -> str | None:
    """RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the provider's end-session URL
    with id_token_hint (when this session has the ID token), client_id and post_logout_redirect_uri.

    Only for users who came through SSO: this session holds an ID token, or the user has no
    password (SSO is their only way in; tenant hosts get the login by ticket, without the token).
    """

    endpoint = getattr(settings, "OIDC_OP_LOGOUT_ENDPOINT", None)
    user = request.user
    if not (settings.OIDC_ENABLED and endpoint and user.is_authenticated):
        return None
    id_token = request.session.get("oidc_id_token")
    if not id_token and user.has_usable_password():
        return None
    params = {"client_id": settings.OIDC_RP_CLIENT_ID, "post_logout_redirect_uri": public_url("/login/")}
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def locked_out(request, original_response=None, credentials=None):
    """django-axes calls this for every attempt refused by a lockout; each one is audited with its lock."""

    lock = getattr(request, "login_lock", LoginLock.USER)
    event_record(
        action="auth.locked_out",
        actor_email=login_username(request, credentials) or "",
        tenant=getattr(request, "tenant", None),
        after={"lock": str(lock)},
        request=request,
    )
    context = {"lock": str(lock), "minutes": settings.AXES_COOLOFF_TIME // timedelta(minutes=1)}
    return render(request, "registration/locked_out.html", context, status=429)


class TenantPasswordResetView(auth_views.PasswordResetView):
    form_class = TenantPasswordResetForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tenant": self.request.tenant}


@login_required_here
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profile saved.")
        return redirect("profile")
    context = {
        "form": form,
        "memberships": memberships_of(request.user),
        "can_have_tokens": request.tenant.is_public and can(request.user, Action.VIEW_COMPANY_PANEL),
    }
    return render(request, "accounts/profile.html", context)


def _form_errors(request, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        for problem in problems:
            messages.error(request, problem if field == "__all__" else f"{field}: {problem}")


NEW_TOKEN_SESSION_KEY = "new_staff_token"


@page_requires(Action.VIEW_COMPANY_PANEL)
def staff_tokens_page(request):
    """A staff member's own personal access tokens. A new token is shown once, after a redirect, so
    reloading the page cannot create a second one."""
    form = StaffTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, raw = staff_token_create(user=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            form_error_add(form, error)
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = raw
            return redirect("staff-tokens")
    context = {
        "form": form,
        "tokens": StaffToken.objects.filter(user=request.user),
        "created_raw": request.session.pop(NEW_TOKEN_SESSION_KEY, None) if request.method == "GET" else None,
    }
    return render(request, "accounts/staff_tokens.html", context, status=400 if form.errors else 200)


@page_post_requires(Action.VIEW_COMPANY_PANEL)
def staff_token_revoke_page(request, token_id: int):
    token = get_object_or_404(staff_tokens_revocable_by(request.user), pk=token_id)
    staff_token_revoke(token=token, actor=request.user, request=request)
    messages.success(request, f"Token {token.name} ({token.prefix}…) revoked.")
    return redirect("staff-tokens")


@page_requires(Action.MANAGE_TENANT_USERS)
def api_keys_page(request):
    created_raw = None
    if request.method == "POST":
        try:
            _, created_raw = api_key_create(
                tenant=request.tenant,
                name=request.POST.get("name", ""),
                scopes=request.POST.getlist("scopes"),
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            _form_errors(request, error)
    keys = ApiKey.objects.filter(tenant=request.tenant).select_related("created_by")
    return render(
        request,
        "accounts/api_keys.html",
        {"keys": keys, "created_raw": created_raw, "scopes": ApiKey.Scope.choices},
        status=400 if request.method == "POST" and created_raw is None else 200,
    )


@page_post_requires(Action.MANAGE_TENANT_USERS)
def api_key_revoke_page(request, key_id: int):
    key = get_object_or_404(ApiKey, pk=key_id, tenant=request.tenant)
    api_key_revoke(key=key, actor=request.user, request=request)
    messages.success(request, f"Key {key.name} ({key.prefix}…) revoked.")
    return redirect("api-keys")


@page_requires(Action.MANAGE_TENANT_USERS)
def users_page(request):
    form = InviteUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = view_invite(request, form)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, _invite_message(added))
            return redirect("tenant-users")
    context = {
        "members": tenant_members(request.tenant),
        "invitations": tenant_invitations_pending(request.tenant),
        "form": form,
        "roles": ChangeRoleForm.base_fields["role"].choices,
    }
    return render(request, "accounts/users.html", context, status=400 if form.errors else 200)


def _invite_message(added: Membership | Invitation) -> str:
    if isinstance(added, Invitation):
        return _("%(email)s was invited and joins once they accept the invitation we e-mailed them.") % {
            "email": added.email
        }
    return _("%(email)s was invited and will receive a link to set a password.") % {"email": added.user.email}


def view_invite(request, form) -> Membership | Invitation:
    return tenant_user_invite(
        tenant=request.tenant,
        email=form.cleaned_data["email"],
        name=form.cleaned_data["name"],
        role=Role(form.cleaned_data["role"]),
        actor=request.user,
        request=request,
    )


@page_post_requires(Action.MANAGE_TENANT_USERS)
def invitation_cancel_page(request, invitation_id: int):
    invitation = tenant_invitation(tenant=request.tenant, invitation_id=invitation_id)
    if invitation is None:
        raise Http404
    try:
        invitation_cancel(invitation=invitation, actor=request.user, request=request)
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    except ValidationError as error:
        _form_errors(request, error)
    return redirect("tenant-users")


def _invitation_or_404(request, token: str) -> Invitation:
    invitation = invitation_by_token(token=token, tenant=request.tenant)
    if invitation is None:
        raise Http404
    return invitation


def invitation_page(request, token: str):
    """What the mailed link opens: the invitation, with accept and decline buttons (no login: the link is the proof)."""
    invitation = _invitation_or_404(request, token)
    is_open = invitation.status == Invitation.Status.PENDING and invitation.expires_at > timezone.now()
    context = {"invitation": invitation, "token": token, "is_open": is_open}
    return render(request, "accounts/invitation.html", context, status=200 if is_open else 410)


def _invitation_refused(request, invitation, token: str, error: ValidationError):
    """The invitation page with why it can no longer be answered (used, expired, withdrawn): 409."""
    context = {"invitation": invitation, "token": token, "is_open": False, "errors": error.messages}
    return render(request, "accounts/invitation.html", context, status=409)


@require_POST
def invitation_accept_page(request, token: str):
    invitation = _invitation_or_404(request, token)
    try:
        invitation_accept(invitation=invitation, request=request)
    except ValidationError as error:
        return _invitation_refused(request, invitation, token, error)
    messages.success(
        request, _("You now have access to %(tenant)s. Log in to continue.") % {"tenant": invitation.tenant.name}
    )
    return redirect("login")


@require_POST
def invitation_decline_page(request, token: str):
    invitation = _invitation_or_404(request, token)
    try:
        invitation_decline(invitation=invitation, request=request)
    except ValidationError as error:
        return _invitation_refused(request, invitation, token, error)
    context = {"invitation": invitation, "token": token, "is_open": False, "declined": True}
    return render(request, "accounts/invitation.html", context)


@page_post_requires(Action.MANAGE_TENANT_USERS)
def user_role_page(request, user_id: int):
    membership = get_object_or_404(Membership, user_id=user_id, tenant=request.tenant)
    form = ChangeRoleForm(request.POST)
    if form.is_valid():
        try:
            membership_role_change(
                user=membership.user,
                tenant=request.tenant,
                role=Role(form.cleaned_data["role"]),
                actor=request.user,
                request=request,
            )
            messages.success(request, f"{membership.user.email} is now {Role(form.cleaned_data['role']).label}.")
        except ValidationError as error:
            _form_errors(request, error)
    else:
        messages.error(request, "Choose a valid role.")
    return redirect("tenant-users")


@page_post_requires(Action.MANAGE_TENANT_USERS)
def user_remove_page(request, user_id: int):
    membership = get_object_or_404(Membership, user_id=user_id, tenant=request.tenant)
    try:
        membership_remove(user=membership.user, tenant=request.tenant, actor=request.user, request=request)
        messages.success(request, f"{membership.user.email} no longer has access to {request.tenant.name}.")
    except ValidationError as error:
        _form_errors(request, error)
    return redirect("tenant-users")


@page_post_requires(Action.VIEW_AS_TENANT)
def view_as_start_page(request, tenant_id: int):
    tenant = customer_tenant_or_404(tenant_id)
    session = view_as.view_as_start(staff=request.user, tenant=tenant, request=request)
    return redirect_to_tenant(request, tenant, f"/view-as/begin/{session.pk}")


@login_required_here
def view_as_begin(request, session_id: int):
    """On the tenant's host: attach a view-as session made on the public host to this browser session."""
    active = view_as.view_as_active(session_id=session_id, staff=request.user, tenant=request.tenant)
    if active is None:
        return redirect(public_url("/app/company/tenants"))
    request.session[view_as.SESSION_KEY] = active.pk
    return redirect("client-dashboard")


@require_POST
def view_as_end_page(request):
    session_id = request.session.get(view_as.SESSION_KEY)
    if session_id is not None:
        view_as.view_as_end(session_id=session_id, reason="ended", request=request)
        logout(request)
    return redirect(public_url("/app/company/tenants"))
