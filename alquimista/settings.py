"""Settings, read from the environment. README.md lists every variable."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers
from csp.constants import NONE, SELF

from alquimista import devports
from alquimista.env import env_bool, env_int, env_list, env_str, refuse, require_in_production

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / ".data")))

ENVIRONMENT = env_str("ALQUIMISTA_ENV", "development")
if ENVIRONMENT not in {"development", "test", "production"}:
    refuse(f"ALQUIMISTA_ENV must be development, test or production, got {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"
SECRET_STORE_BACKEND = env_str("SECRET_STORE_BACKEND", "local")
if PRODUCTION:
    require_in_production(["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "BASE_DOMAIN"])
    if SECRET_STORE_BACKEND == "local":
        require_in_production(["SECRET_STORE_KEY"])

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
DEBUG = env_bool("DEBUG", ENVIRONMENT == "development")

BASE_DOMAIN = env_str("BASE_DOMAIN", "localhost")
# Port shown in links between hosts (public host <-> tenant host); empty behind a proxy on 80/443.
SITE_PORT = env_str("SITE_PORT", "" if PRODUCTION else "8000")
SITE_SCHEME = env_str("SITE_SCHEME", "https" if PRODUCTION else "http")
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", *env_list("EXTRA_ALLOWED_HOSTS", [])]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Cross-origin reads of the API (django-cors-headers), for the origins a deployment names; none by default, and
# then the middleware is not installed at all. Never with credentials: a browser sends no session cookie.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = (*cors_default_headers, "if-none-match")
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]
CORS_MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"] if CORS_ALLOWED_ORIGINS else []

SHARED_APPS = [
    "django_tenants",
    "audit",
    "vault",
    "tenants",
    "accounts",
    "operations",
    "agents",
    "usage",
    "webhooks",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "alquimista.admin_site.OpsAdminConfig",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "corsheaders",
    "axes",
    "core.observability",
    "dashboards",
    "alquimista",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "agents",
    "integrations",
    "usage",
    "dispatch",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_URLCONF = "alquimista.urls_public"
ROOT_URLCONF = "alquimista.urls_tenant"
# New tenants are cloned from this schema (kept migrated by `manage.py sync_template_schema`);
# django-tenants silently migrates instead when it is missing.
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = env_bool("TENANT_CLONE", True)
TENANT_LIMIT_SET_CALLS = True
TENANT_CACHE_SECONDS = env_int("TENANT_CACHE_SECONDS", 300)
DATABASE_ROUTERS = ["core.routers.SplitAppRouter", "django_tenants.routers.TenantSyncRouter"]


MIDDLEWARE = [
    "core.observability.middleware.ProbeMiddleware",
    "core.observability.middleware.RequestContextMiddleware",
    # Defensive headers outside the tenant lookup, so its unknown-host 404 carries them too;
    # core.security reads request.user on the way out, set further in when a request got that far.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.security.SecurityHeadersMiddleware",
    # Before anything that answers on its own (static files, the tenant lookup), so its preflight answers first.
    *CORS_MIDDLEWARE,
    # Static files are the same on every host (the unknown-host 404 page needs its style sheet too).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tenants.middleware.CachedTenantMiddleware",
    # A NUL character in a query parameter or page form field is a 400 naming it (core/request_guards.py).
    "core.request_guards.NulInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.SessionTenantBindingMiddleware",
    "accounts.middleware.ViewAsMiddleware",
    "tenants.middleware.TenantStatusMiddleware",
    "core.observability.middleware.LogContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboards.context_processors.navigation",
            ],
        },
    },
]
WSGI_APPLICATION = "alquimista.wsgi.application"

DATABASE_URL = env_str("DATABASE_URL", devports.default_database_url())
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        engine="django_tenants.postgresql_backend",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", "test_alquimista")}

REDIS_URL = env_str("REDIS_URL", devports.default_redis_url())
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "TIMEOUT": 300,
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
        },
    }
}
# Redis is a cache, not a source of truth: when it is down, pages answer from the database.
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "alquimista.cache"
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user or IP before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a user name after N failed logins (alone, and with the IP); an IP has its own, higher
# ceiling that user names known from that IP pass (accounts/login_protection.py).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
LOGIN_IP_FAILURE_LIMIT = env_int("LOGIN_IP_FAILURE_LIMIT", 50)
AXES_LOCKOUT_PARAMETERS = [["username"], ["username", "ip_address"]]
# The login form posts `username` (axes would read the user model's `email` field name).
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.login_protection.login_username"
AXES_HANDLER = "accounts.login_protection.LoginProtectionHandler"
# A refused attempt is not counted again: a correct password tried during a lock never extends it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dashboards.account_views.locked_out"
AXES_VERBOSE = False
# Proxies in front of the app that append to X-Forwarded-For; the lockout and the audit log
# take the client's IP from the same function (0: REMOTE_ADDR, the header is ignored).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "core.observability.client_ip.client_ip"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HSTS over HTTPS in production; tenants are subdomains of BASE_DOMAIN, so they are covered too.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.ContractSchema",
    # Order matters: a request with an API key or a bearer token is not a browser session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.ApiKeyAuthentication",
        "accounts.api_auth.StaffTokenAuthentication",
        "accounts.api_auth.SsoBearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.api_auth.PolicyPermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "EXCEPTION_HANDLER": "core.api.errors.api_exception_handler",
    # JSON only: no browsable HTML renderer (it crashed list endpoints asked for text/html or ?format=api);
    # an Accept that JSON cannot satisfy is a 406, an unknown ?format= a 404.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # The JSON parser refuses too-deep nesting and text PostgreSQL cannot store (core/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Rate limits (core/ratelimit.py): tenants are limited by their plan; callers without a plan (staff) per user.
API_STAFF_REQUESTS_PER_MINUTE = env_int("API_STAFF_REQUESTS_PER_MINUTE", 600)
# The share of its tenant's requests per minute one API key or person may use alone.
API_PRINCIPAL_SHARE_PERCENT = env_int("API_PRINCIPAL_SHARE_PERCENT", 100)
# No limit is taken below this (settings only: the test settings raise it so the suite never meets a limit).
RATE_LIMIT_FLOOR = 0
SPECTACULAR_SETTINGS = {
    "TITLE": "Alquimista Ops API",
    "DESCRIPTION": "Tenant and internal operations API of the Alquimista Ops platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "OAS_VERSION": "3.1.0",
    "SCHEMA_PATH_PREFIX": r"/api",
    # Request bodies list only what a client sends (read-only fields stay in the responses).
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set that several components share (their field names alone would collide).
    "ENUM_NAME_OVERRIDES": {
        "TenantStatusEnum": "tenants.models.Tenant.Status",
        "IncidentStatusEnum": "operations.models.Incident.Status",
        "AgentStatusEnum": "agents.models.TenantAgent.Status",
        "IntegrationKindEnum": "integrations.models.Integration.Kind",
        "ApiKeyScopeEnum": "accounts.models.ApiKey.Scope",
        "StaffTokenScopeEnum": "accounts.models.StaffToken.Scope",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.contract_postprocess",
    ],
    # Redoc is served from our own static files (drf-spectacular-sidecar), never from a CDN.
    "REDOC_DIST": "SIDECAR",
    # The schema and the docs page read the browser session only: a stray or bad API key header is not
    # checked while the docs template renders (it was a 500 there, outside DRF's error handling).
    "SERVE_AUTHENTICATION": ["rest_framework.authentication.SessionAuthentication"],
}

# Celery: Redis broker on its own database index so cache.clear() never drops queued tasks.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL.rsplit("/", 1)[0] + "/1")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# Secret store: "local" (encrypted in PostgreSQL) or "aws" (Secrets Manager through boto3).
SECRET_STORE = {
    "BACKEND": SECRET_STORE_BACKEND,
    # Comma-separated Fernet keys, newest first; development keeps one under DATA_DIR.
    "KEY": env_str("SECRET_STORE_KEY"),
    "KEY_FILE": DATA_DIR / "secret_store.key",
    "AWS_REGION": env_str("AWS_REGION", "us-east-1"),
    "AWS_ENDPOINT_URL": env_str("SECRET_STORE_AWS_ENDPOINT_URL"),
    "AWS_PREFIX": env_str("SECRET_STORE_AWS_PREFIX", "alquimista/"),
}

# OIDC single sign-on (mozilla-django-oidc), on when OIDC_RP_CLIENT_ID is set.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_ENABLED = OIDC_RP_CLIENT_ID is not None
if OIDC_ENABLED:
    for _name in (
        "OIDC_RP_CLIENT_SECRET",
        "OIDC_OP_AUTHORIZATION_ENDPOINT",
        "OIDC_OP_TOKEN_ENDPOINT",
        "OIDC_OP_USER_ENDPOINT",
        "OIDC_OP_JWKS_ENDPOINT",
    ):
        if env_str(_name) is None:
            refuse(f"{_name} is required when OIDC_RP_CLIENT_ID is set")
    OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
    OIDC_OP_LOGOUT_ENDPOINT = env_str("OIDC_OP_LOGOUT_ENDPOINT")
    AUTHENTICATION_BACKENDS.insert(1, "accounts.oidc.OidcRoleBackend")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
OIDC_TENANT_CLAIM = env_str("OIDC_TENANT_CLAIM", "custom:tenant_id")
# Provider group name → role, e.g. "ops-admins=INTERNAL_ADMIN,ops-support=INTERNAL_SUPPORT";
# groups named exactly like a role always map to it.
OIDC_GROUP_ROLE_MAP = env_str("OIDC_GROUP_ROLE_MAP", "")
OIDC_CREATE_USER = True
OIDC_DRF_AUTH_BACKEND = "accounts.oidc.OidcRoleBackend"
OIDC_USE_NONCE = True
# Kept in the session for id_token_hint at logout (OIDC_OP_LOGOUT_ENDPOINT).
OIDC_STORE_ID_TOKEN = True
OIDC_CALLBACK_CLASS = "accounts.oidc.OidcCallbackView"
OIDC_AUTHENTICATE_CLASS = "mozilla_django_oidc.views.OIDCAuthenticationRequestView"
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso_error=1"

# Content-Security-Policy (django-csp): every script and style is a file under /static/, nothing inline,
# nothing from another origin. form-action also governs where a form's redirect may go (Chromium
# enforces it): logging in or starting view-as on one host lands on another (public <-> tenant), and
# logging out of an SSO login ends at the provider.
_SITE_PORT_SUFFIX = f":{SITE_PORT}" if SITE_PORT else ""
_FORM_TARGETS = [
    f"{SITE_SCHEME}://{BASE_DOMAIN}{_SITE_PORT_SUFFIX}",
    f"{SITE_SCHEME}://*.{BASE_DOMAIN}{_SITE_PORT_SUFFIX}",
]
if OIDC_ENABLED and OIDC_OP_LOGOUT_ENDPOINT:
    _FORM_TARGETS.append("{0.scheme}://{0.netloc}".format(urlsplit(OIDC_OP_LOGOUT_ENDPOINT)))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *_FORM_TARGETS],
    },
}

# Usage roll-up and the incidents it opens.
USAGE_ERROR_RATE_THRESHOLD = env_int("USAGE_ERROR_RATE_PERCENT", 5) / 100
USAGE_ERROR_RATE_MIN_REQUESTS = env_int("USAGE_ERROR_RATE_MIN_REQUESTS", 20)
INTEGRATION_AUTH_FAILURES_BEFORE_REAUTH = env_int("INTEGRATION_AUTH_FAILURES", 2)
INGEST_MAX_ROWS = 1000

# Tenant provisioning pre-checks: refuse a new tenant below this headroom.
PROVISION_MIN_FREE_CONNECTIONS_PERCENT = env_int("PROVISION_MIN_FREE_CONNECTIONS_PERCENT", 20)
PROVISION_DATABASE_BUDGET_BYTES = env_int("PROVISION_DATABASE_BUDGET_GB", 50) * 2**30
PROVISION_REDIS_BUDGET_BYTES = env_int("PROVISION_REDIS_BUDGET_MB", 512) * 2**20
CREDENTIAL_ROTATION_DAYS = env_int("CREDENTIAL_ROTATION_DAYS", 90)
# A provisioning run still RUNNING after this long lost its worker: beat marks it failed and rolls it back.
PROVISIONING_TIMEOUT_SECONDS = env_int("PROVISIONING_TIMEOUT_SECONDS", 600)

# Lead dispatch: nothing is ever sent unless enabled here AND for the tenant (by an INTERNAL_ADMIN).
DISPATCH_ENABLED = env_bool("DISPATCH_ENABLED", False)
DISPATCH_COOLDOWN_DAYS = env_int("DISPATCH_COOLDOWN_DAYS", 7)
DISPATCH_QUIET_START_HOUR = env_int("DISPATCH_QUIET_START_HOUR", 21)
DISPATCH_QUIET_END_HOUR = env_int("DISPATCH_QUIET_END_HOUR", 8)

# Outbound webhooks (webhooks/): seconds a receiver has to answer; whether deliveries may go to private,
# loopback or link-local addresses and plain http (development and tests only: never let a tenant make the
# platform call its internal network).
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
WEBHOOK_ALLOW_PRIVATE_HOSTS = env_bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", not PRODUCTION)
DISPATCH_RATE_PER_HOUR = env_int("DISPATCH_RATE_PER_HOUR", 200)
DISPATCH_MAX_ATTEMPTS = env_int("DISPATCH_MAX_ATTEMPTS", 3)
WHATSAPP_API_BASE_URL = env_str("WHATSAPP_API_BASE_URL", "https://graph.facebook.com/v20.0")
# Seconds to wait for the WhatsApp API; a request it did not answer in time may have been sent (not retried).
WHATSAPP_API_TIMEOUT = env_int("WHATSAPP_API_TIMEOUT", 10)

# Backups: pg_dump into BACKUP_DIR, or into an S3 bucket when BACKUP_S3_BUCKET is set.
BACKUP_DIR = env_str("BACKUP_DIR", str(DATA_DIR / "backups"))
BACKUP_S3_BUCKET = env_str("BACKUP_S3_BUCKET", "")
BACKUP_S3_ENDPOINT_URL = env_str("BACKUP_S3_ENDPOINT_URL", "")
BACKUP_RETENTION_DAYS = env_int("BACKUP_RETENTION_DAYS", 30)
BACKUP_HOUR_UTC = env_int("BACKUP_HOUR_UTC", 2)  # the nightly whole-database backup (beat), 0-23
PG_BIN_DIR = env_str("PG_BIN_DIR", "")
AWS_REGION = env_str("AWS_REGION", "us-east-1")
# Per integration kind, an HTTP endpoint the health check calls with the integration's token.
INTEGRATION_HEALTH_URLS = {
    kind: url for kind, url in (item.split("=", 1) for item in env_list("INTEGRATION_HEALTH_URLS", []) if "=" in item)
}

# Operational commands: seconds a RUNNING command may take before the reaper calls its worker lost.
COMMAND_TIMEOUTS = {
    "HEALTH_CHECK": env_int("COMMAND_TIMEOUT_HEALTH_CHECK", 120),
    "RESET_TOKEN": env_int("COMMAND_TIMEOUT_RESET_TOKEN", 120),
    "RESTART_AGENT": env_int("COMMAND_TIMEOUT_RESTART_AGENT", 300),
    "REPROCESS_QUEUE": env_int("COMMAND_TIMEOUT_REPROCESS_QUEUE", 1800),
}
COMMAND_RETENTION_DAYS = env_int("COMMAND_RETENTION_DAYS", 90)
# Work still pending this long (a command, a provisioning run, a dispatch run, an outbox message) lost its
# message — Redis was down when it was sent, say — and a beat sweep sends it again.
REQUEUE_AFTER_SECONDS = env_int("REQUEUE_AFTER_SECONDS", 300)

DEMO_PASSWORD = env_str("DEMO_PASSWORD", "alquimista-demo")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))  # for the file-based backend
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before an SMTP connection or reply gives up: a hung mail server must not hold a worker forever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Alquimista Ops <no-reply@{BASE_DOMAIN}>")

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING_CONFIG = None  # structlog configures logging in core.observability.logging

from core.observability.logging import configure_logging  # noqa: E402

configure_logging(level=LOG_LEVEL, fmt=LOG_FORMAT)
