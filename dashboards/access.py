"""Page access, asking the policy: 404 to outsiders, 403 to members without the right."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views.decorators.http import require_POST

from accounts.policy import TENANT_SCOPED, Action, can, is_internal, is_member
from dashboards.routing import redirect_home


def login_required_here(view):
    """Logged in on this host (any role)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return view(request, *args, **kwargs)

    wrapper.policy_action = "authenticated"
    return wrapper


def page_requires(action: Action):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            tenant = request.tenant
            if can(user, action, tenant):
                return view(request, *args, **kwargs)
            if action in TENANT_SCOPED:
                if not is_member(user, tenant):
                    # Not revealing that the tenant exists to someone from elsewhere.
                    raise Http404
                raise PermissionDenied
            if tenant.is_public and not is_internal(user):
                # A tenant user who opens the company panel is sent to their own dashboard.
                return redirect_home(request)
            raise PermissionDenied

        wrapper.policy_action = action
        return wrapper

    return decorator


def page_post_requires(action: Action):
    """A POST-only page action (forms' targets), asking the policy like page_requires."""

    def decorator(view):
        wrapped = require_POST(page_requires(action)(view))
        wrapped.policy_action = action
        wrapped.post_only = True
        return wrapped

    return decorator
