"""Settings for the Failed Tasks Console.

Every value that differs between a laptop and a production host comes from an
environment variable read through the small typed helpers below. A malformed
value stops start-up with ImproperlyConfigured instead of being guessed at.
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: str) -> int:
    value = os.getenv(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}")


def envseconds(name: str, default: str) -> float:
    value = os.getenv(name, default)
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if not 0 <= seconds < 86400:
        raise ImproperlyConfigured(f"{name} must be a number of seconds (0 for no limit), not {value!r}")
    return seconds


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def envurl(name: str, default: str) -> str:
    """An absolute http(s) URL without query or fragment, with no trailing slash ("" if unset)."""
    value = os.getenv(name, default).strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"{name} must be an absolute http:// or https:// URL such as "
            f"https://console.example.com, not {value!r}"
        )
    return value.rstrip("/")


def envhosts(name: str, default: str) -> list[str]:
    """Host names, IP addresses and networks (10.0.0.0/8), lower-cased; a bad network stops start-up."""
    hosts = [item.lower() for item in envlist(name, default)]
    for host in hosts:
        if "/" in host:
            try:
                ipaddress.ip_network(host, strict=False)
            except ValueError:
                raise ImproperlyConfigured(f"{name}: {host!r} is not an IP network")
    return hosts


# Off unless set: a deployment that forgets it runs as production, never with debug
# pages and a known key. `make run` and the tests turn development mode on themselves.
DEBUG = envbool("DEBUG", "false")

# A development key is only acceptable while DEBUG is on; production must say its own.
SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (see .env.example)."
        )
    SECRET_KEY = "development-only-key-never-use-in-production"
# Earlier keys, while SECRET_KEY rotates: sessions and webhook secrets sealed
# under them stay readable (comma-separated).
SECRET_KEY_FALLBACKS = envlist("SECRET_KEY_FALLBACKS", "")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Operator classes in the search's index expressions (failedtasks migration
    # 0005); nothing else of it runs on SQLite.
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The site, then its apps from the top layer down (docs/architecture.md)
    "console",
    "failedtasks.alerts",
    "failedtasks",
    "console.identity",
    "console.tenancy",
]

MIDDLEWARE = [
    # First: load balancers' probes are answered before host checks, redirects or sessions.
    "console.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "console.middleware.UserTimezoneMiddleware",
    "console.middleware.ContentSecurityPolicyMiddleware",
    "console.lib.outage.DatabaseOutageMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.tenancy.context_processors.shell",
                "failedtasks.context_processors.polling",
            ],
            "libraries": {"tables": "console.lib.table_tags"},
        },
    },
]

# SQLite by default (nothing to install); DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
}
database_options = DATABASES["default"].setdefault("OPTIONS", {})

# How long a web request waits on the database before it answers 503 (console.lib.outage)
# rather than hang: to connect, for one statement, for a lock. 0 = no limit. The
# statement timeout leaves room for a Delete All of 100,000 tasks (about 2 s).
# manage.py lifts the statement and lock timeouts for management commands, whose
# migrations, bulk loads and purges may rightly take longer.
DB_CONNECT_TIMEOUT = envseconds("DB_CONNECT_TIMEOUT", "5")
DB_STATEMENT_TIMEOUT = envseconds("DB_STATEMENT_TIMEOUT", "10")
DB_LOCK_TIMEOUT = envseconds("DB_LOCK_TIMEOUT", "5")

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    if DB_CONNECT_TIMEOUT:
        # libpq counts whole seconds, and at least 2.
        database_options["connect_timeout"] = max(2, round(DB_CONNECT_TIMEOUT))
    # Set by the server at connection start-up: no query of their own. A server that
    # never answers at all is cut off on this side (console.database_timeouts).
    database_options["options"] = " ".join(filter(None, [
        database_options.get("options", ""),
        f"-c statement_timeout={round(DB_STATEMENT_TIMEOUT * 1000)}",
        f"-c lock_timeout={round(DB_LOCK_TIMEOUT * 1000)}",
    ]))

# Whether the few statements written as SQL for the hottest paths are prepared
# (console.lib.prepared); off for a pooler in front that does not keep them.
DB_PREPARED_STATEMENTS = envbool("DB_PREPARED_STATEMENTS", "true")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_PREPARED_STATEMENTS:
    database_options["prepare_threshold"] = 0

# A pool of PostgreSQL connections shared by a process's requests (0: none, and each
# thread keeps its own connection for DB_CONN_MAX_AGE seconds). Needed where requests
# are greenlets rather than threads (make serve): a connection per greenlet would be
# a connection per request.
DB_POOL_SIZE = envint("DB_POOL_SIZE", "0")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_POOL_SIZE > 0:
    database_options["pool"] = {
        "min_size": 0, "max_size": DB_POOL_SIZE,
        # Waiting for a free connection is waiting on the database too.
        "timeout": DB_CONNECT_TIMEOUT or 30,
        "reconnect_timeout": DB_CONNECT_TIMEOUT or 30,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so a snapshot
    # and the delete that follows it can never interleave with another writer.
    # A locked file is SQLite's only wait: its busy timeout is the lock timeout
    # (no limit meaning a day, as for the management commands).
    database_options.update({"transaction_mode": "IMMEDIATE", "timeout": DB_LOCK_TIMEOUT or 86400})
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file too: an in-memory database shares one cache between threads,
    # whose table locks ignore the busy timeout that real concurrent writers rely on.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: revokes the user's API tokens whenever a password changes.
    {"NAME": "console.identity.password_change.RevokeTokensOnPasswordChange"},
]

# How many reverse proxies in front set X-Forwarded-For (console.identity.client_address).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")

# Every password check goes through the sign-in throttle (console.identity.login_throttle).
AUTHENTICATION_BACKENDS = ["console.identity.auth_backends.ThrottledModelBackend"]
# Failures within 15 minutes: per user name from one address, and per address.
LOGIN_FAILURES_PER_USER = envint("LOGIN_FAILURES_PER_USER", "5")
LOGIN_FAILURES_PER_ADDRESS = envint("LOGIN_FAILURES_PER_ADDRESS", "20")
# Past LOGIN_FAILURES_PER_USER failures from anywhere, tries from addresses the user
# has not signed in from lately wait 1, 2, 4 ... seconds, at most this long.
LOGIN_BACKOFF_MAX_SECONDS = envint("LOGIN_BACKOFF_MAX_SECONDS", "60")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.getenv("TIME_ZONE", "UTC")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The counter polls; a short interval keeps a failure recorded elsewhere visible
# within seconds while one indexed read per poll keeps it cheap.
COUNTER_POLL_SECONDS = envint("COUNTER_POLL_SECONDS", "5")
# An open Failed Tasks list asks as often whether new failures arrived for it
# (the "N new failed tasks" notice); it never reorders by itself.
NEW_FAILURES_POLL_SECONDS = envint("NEW_FAILURES_POLL_SECONDS", "5")
if NEW_FAILURES_POLL_SECONDS < 1:
    raise ImproperlyConfigured("NEW_FAILURES_POLL_SECONDS must be 1 or more")

# Alert webhooks (the alerts app). Targets on loopback, private, link-local and
# other non-public addresses are refused unless their host name, address or
# network is listed here (demos and tests list 127.0.0.1).
ALERT_WEBHOOK_ALLOWED_HOSTS = envhosts("ALERT_WEBHOOK_ALLOWED_HOSTS", "")
# Seconds one delivery may take, connecting and reading the answer included.
ALERT_WEBHOOK_TIMEOUT_SECONDS = envint("ALERT_WEBHOOK_TIMEOUT_SECONDS", "5")
if not 1 <= ALERT_WEBHOOK_TIMEOUT_SECONDS <= 30:
    raise ImproperlyConfigured("ALERT_WEBHOOK_TIMEOUT_SECONDS must be between 1 and 30")


def _default_base_url() -> str:
    """Where people open the console, for links in alerts: the development server,
    or in production the first concrete host name people are allowed to use."""
    if DEBUG:
        return "http://127.0.0.1:8000"
    host = next((h for h in ALLOWED_HOSTS if h != "*" and not h.startswith(".")), "")
    return f"https://{host}" if host else ""


# The console's address as its users reach it (scheme, host, optional path prefix):
# alerts link back to it. Unset and not derivable, alerts carry no links.
CONSOLE_BASE_URL = envurl("CONSOLE_BASE_URL", _default_base_url())

# How long failed tasks are kept: the default of `purge_failed_tasks`, and stated in
# the dialog. Unset keeps them until someone deletes them.
FAILED_TASK_RETENTION_DAYS = envint("FAILED_TASK_RETENTION_DAYS", "0") or None
if FAILED_TASK_RETENTION_DAYS is not None and FAILED_TASK_RETENTION_DAYS < 0:
    raise ImproperlyConfigured("FAILED_TASK_RETENTION_DAYS must be a positive number of days")

# Everything is served by the app itself; nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = os.getenv(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)

# Behind a TLS-terminating proxy: redirect to HTTPS and tell browsers to stay there.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "false" if DEBUG else "true")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "false" if DEBUG else "true")
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "false" if DEBUG else "true")
if envbool("TRUST_X_FORWARDED_PROTO", "false"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Django's database sessions, remembered per process for the one-statement sign-in
# of the hottest pages (console/identity/sessions.py).
SESSION_ENGINE = "console.identity.sessions"
SESSION_EXPIRE_AT_BROWSER_CLOSE = envbool("SESSION_EXPIRE_AT_BROWSER_CLOSE", "false")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(12 * 60 * 60))
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "false" if DEBUG else "true")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Pages carry the token themselves (forms and hx-headers): scripts never read the cookie.
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"first_line": {"()": "console.lib.outage.FirstLineOnly"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    # While the database is down the pool logs each connection attempt it makes.
    "loggers": {"psycopg.pool": {"filters": ["first_line"]}},
}
CSRF_FAILURE_VIEW = "console.lib.errors.csrf_failure"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "console.identity.authentication.KeystoneTokenAuthentication",
        "console.identity.authentication.SignatureAuthentication",
        "console.identity.authentication.BrowserSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["console.lib.parsers.JSONParser"],
    "DEFAULT_THROTTLE_RATES": {"auth": os.getenv("TOKEN_THROTTLE_RATE", "30/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "console.lib.openapi.FaceAutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Failed Tasks Console API",
    "DESCRIPTION": (
        "Record, list and delete failed tasks. The same data is also served on the "
        "cloud-compatible SDRS (/v1/{project_id}/task-center/...) and KPS "
        "(/v3/{project_id}/failed-tasks) paths, and tokens come from POST /v3/auth/tokens."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page need the API's credentials, as every API does.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # 3.1 for JSON Schema's propertyNames: the schema states every rule the server applies.
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "console.lib.openapi.link_projects"],
}
