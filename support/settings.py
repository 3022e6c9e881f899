"""Frontline settings: everything comes from the environment (django-environ).

Defaults fail closed: DEBUG is off and SECRET_KEY / DATABASE_URL are required unless
DEBUG is on. `make run` and `make test` switch DEBUG on for the embedded default
(SQLite in var/, Celery on kombu's filesystem transport in var/celery/).
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("FRONTLINE_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-embedded-demo-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "support.apps.FrontlineAdminConfig",  # django.contrib.admin behind the second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_celery_beat",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "core",
    "teams",
    "tickets",
    "metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "teams.middleware.AuditRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "teams.middleware.SessionIdleMiddleware",
    "teams.middleware.TwoFactorMiddleware",
    "teams.middleware.ViewerTimezoneMiddleware",
    # Last, as django-axes asks: turns a lockout into the login page with its message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "support.urls"

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
                "teams.context_processors.viewer",
                "tickets.context_processors.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "support.wsgi.application"

# --- Database -------------------------------------------------------------------------
# Embedded default: SQLite in WAL mode with IMMEDIATE transactions, so web, worker and beat
# can share one file without "database is locked" on upgrade from read to write.
if "DATABASE_URL" in env:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
elif DEBUG:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "frontline.sqlite3"}
    }
else:
    raise ImproperlyConfigured("DATABASE_URL must be set when DEBUG is off.")

_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA busy_timeout=20000;",
        }
    )
    _db.setdefault("TEST", {})["NAME"] = env.str("SQLITE_TEST_NAME", default="") or None
else:
    _db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    _db.setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (presence, rate limits, unread counts, routing/rota/webhook versions) ----
# A redis:// URL gets django-redis's backend (django-environ picks it when it is installed),
# which keeps one client per server instead of building one for every call.
CACHES = {
    "default": env.cache_url("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}"),
}

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked-out username or address before a password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend whose per-user permission sets are cached between requests.
    "teams.backends.CachedModelBackend",
]
# Lockout (django-axes): LOGIN_FAILURE_LIMIT failed logins lock that username, and separately
# that client address, until LOGIN_COOLOFF_MINUTES have passed since the last failure. A
# successful login clears the count. Admins unlock in Django admin (Axes > Access attempts)
# or with `manage.py axes_reset` / `axes_reset_username NAME` / `axes_reset_ip ADDRESS`.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "teams.views.account.lockout_response"
AXES_CLIENT_IP_CALLABLE = "teams.services.audit.client_ip"  # NUM_PROXIES, as everywhere
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are audited by the app itself, not in axes' log
# Two-factor (django-otp): codes from an authenticator app, named "Frontline" there. Admins
# see who has which device and may delete one (a lost phone), never its secret or codes.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Frontline")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- I18N / time ----------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Attachments are never served from a public URL: an access-checked view streams them, and
# no URL pattern serves this prefix (it only exists because Django wants a string here).
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Email ----------------------------------------------------------------------------
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    # Embedded default: every outgoing message is written as a file to var/mail/.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Frontline Support <support@frontline.localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        # Fanout (worker control, mingle) tables; kombu's default is ./control in the cwd.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
else:
    # A message a worker took but never acknowledged (the worker died) goes back to the queue
    # after this many seconds. Workers look for such messages every 10 s (kombu's default
    # throttle would make it every 100 s: one cheap ZRANGE on the unacked index each time).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Personal API tokens first (so an anonymous caller gets 401 with WWW-Authenticate), then
    # the browser session. teams/api_auth.py: tokens, their scope, and the throttles.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "teams.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "teams.api_auth.TokenScopePermission",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["teams.api_auth.UserThrottle", "teams.api_auth.AnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
    },
    # Client address for the anonymous rate: REMOTE_ADDR when 0, else the address that many
    # proxies back in X-Forwarded-For (set 1 behind one reverse proxy).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_SCHEMA_CLASS": "support.api_schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Frontline API",
    "DESCRIPTION": "Support desk API: tickets, messages, queues. Session or personal API token auth.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # PATCH bodies as the serializer declares them (the ticket PATCH requires `version`),
    # not a copy with every field optional.
    "COMPONENT_SPLIT_PATCH": False,
    # Swagger UI served from our own static files (no CDN; works offline and under the CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # teams: the presence choice set appears in two serializers; give it one name.
    "ENUM_NAME_OVERRIDES": {"PresenceEnum": "teams.models.Presence"},
}

# --- Security (production values are switched on when DEBUG is off) -------------------
SESSION_COOKIE_HTTPONLY = True
# The inactivity limit: one session unused this long is over. teams.middleware.
# SessionIdleMiddleware renews it (at most once a minute, so a page view does not write the
# session table) and does not count the workspace heartbeat as use.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_SAVE_EVERY_REQUEST = False
# Sessions are kept in the database and read through the cache (Redis in production): a page
# view reads its session without a query. teams.services.account ends sessions in both.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy: no inline or third-party script anywhere (htmx, charts and the
# API docs are static files). Inline style attributes are allowed; scripts are not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Frontline ------------------------------------------------------------------------
FRONTLINE = {
    # Calendar minutes to first reply per priority until SLA policies (routing/SLA work) land.
    "DEFAULT_FIRST_REPLY_MINUTES": {1: 24 * 60, 2: 8 * 60, 3: 4 * 60, 4: 60},
    "PUBLIC_BASE_URL": env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000"),
    # Attachments (tickets/mail/attachments.py): size limit and types accepted after sniffing.
    "ATTACHMENT_MAX_BYTES": env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024),
    "ATTACHMENT_ALLOWED_TYPES": env.list(
        "ATTACHMENT_ALLOWED_TYPES",
        default=[
            "image/png",
            "image/jpeg",
            "image/gif",
            "image/webp",
            "application/pdf",
            "text/plain",
        ],
    ),
    "ATTACHMENT_MAX_COUNT": env.int("ATTACHMENT_MAX_COUNT", default=10),
    # Inbound email: the webhook's shared secret (X-Frontline-Secret header) and an IMAP
    # mailbox to poll, e.g. imaps://user:password@imap.example.com/INBOX (empty: no polling).
    "INBOUND_EMAIL_SECRET": env.str("INBOUND_EMAIL_SECRET", default=""),
    "INBOUND_IMAP_URL": env.str("INBOUND_IMAP_URL", default=""),
    # Webhook calls allowed per client address per hour (a relay's bursts fit; a secret-guessing
    # loop does not).
    "INBOUND_EMAIL_RATE_PER_IP": env.int("INBOUND_EMAIL_RATE_PER_IP", default=1200),
    # Public help form: submissions allowed per IP and per email address per hour.
    "HELP_FORM_RATE_PER_IP": env.int("HELP_FORM_RATE_PER_IP", default=10),
    "HELP_FORM_RATE_PER_EMAIL": env.int("HELP_FORM_RATE_PER_EMAIL", default=5),
    # CSAT survey (tickets/services/csat.py): on/off, delay after the solve, link lifetime, and
    # survey answers allowed per IP per hour.
    "CSAT_SURVEYS": env.bool("CSAT_SURVEYS", default=True),
    "CSAT_SURVEY_DELAY_SECONDS": env.int("CSAT_SURVEY_DELAY_SECONDS", default=3600),
    "CSAT_TOKEN_MAX_AGE_DAYS": env.int("CSAT_TOKEN_MAX_AGE_DAYS", default=14),
    "CSAT_RATE_PER_IP": env.int("CSAT_RATE_PER_IP", default=30),
    # Escalations: minutes the receiving lead has to acknowledge one before the sweep escalates
    # it further (a team's service settings may set its own).
    "ESCALATION_ACK_MINUTES": env.int("ESCALATION_ACK_MINUTES", default=30),
    # Outbound webhooks (tickets/services/webhooks/): request timeout, attempts before a
    # delivery is given up, exponential backoff base and cap (seconds; jitter is added).
    "WEBHOOK_TIMEOUT_SECONDS": env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0),
    "WEBHOOK_MAX_ATTEMPTS": env.int("WEBHOOK_MAX_ATTEMPTS", default=8),
    "WEBHOOK_BACKOFF_BASE_SECONDS": env.int("WEBHOOK_BACKOFF_BASE_SECONDS", default=30),
    "WEBHOOK_BACKOFF_MAX_SECONDS": env.int("WEBHOOK_BACKOFF_MAX_SECONDS", default=6 * 3600),
    # Handle time (tickets/services/work.py): the workspace sends a heartbeat every
    # WORK_HEARTBEAT_SECONDS while visible and focused; a gap over WORK_IDLE_SECONDS is idle.
    "WORK_HEARTBEAT_SECONDS": env.int("WORK_HEARTBEAT_SECONDS", default=30),
    "WORK_IDLE_SECONDS": env.int("WORK_IDLE_SECONDS", default=90),
    # Trend alerts (metrics/services/alerts.py): also email each spike to the team's lead and
    # manager (once per spike).
    "TREND_ALERT_EMAILS": env.bool("TREND_ALERT_EMAILS", default=False),
    # Automation of waiting tickets (tickets/services/automation.py), in days; 0 turns a rule
    # off: remind the requester of a pending ticket, solve it, close solved tickets.
    "PENDING_REMINDER_DAYS": env.float("PENDING_REMINDER_DAYS", default=3),
    "PENDING_AUTO_SOLVE_DAYS": env.float("PENDING_AUTO_SOLVE_DAYS", default=7),
    "SOLVED_AUTO_CLOSE_DAYS": env.float("SOLVED_AUTO_CLOSE_DAYS", default=4),
    # Data protection (tickets/services/privacy/, nightly beat task): days after closing
    # before attachments of sensitive/restricted tickets are deleted, and before a requester
    # whose tickets are all closed is anonymised (erased as on request). 0 switches off.
    "RETENTION_SENSITIVE_ATTACHMENT_DAYS": env.int(
        "RETENTION_SENSITIVE_ATTACHMENT_DAYS", default=90
    ),
    "RETENTION_ANONYMISE_DAYS": env.int("RETENTION_ANONYMISE_DAYS", default=730),
    # Two-factor sign-in (teams/permissions.py two_factor_step): always required for leads,
    # managers, QA analysts, admins and Django-admin staff; for associates when this is on.
    "TWO_FACTOR_FOR_ASSOCIATES": env.bool("TWO_FACTOR_FOR_ASSOCIATES", default=False),
    # Deliberately not read from the environment: only the test suite turns enforcement off
    # (tests/conftest.py) so tests that force_login a lead need no second factor.
    "TWO_FACTOR_ENFORCED": True,
    # One-time recovery codes handed out at enrolment (and on regeneration).
    "TWO_FACTOR_RECOVERY_CODES": 10,
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=30 * 1024 * 1024)
# Poll the inbound mailbox (tickets.tasks.inbound_poll_imap) only when one is configured.
if FRONTLINE["INBOUND_IMAP_URL"]:
    CELERY_BEAT_SCHEDULE = {
        **globals().get("CELERY_BEAT_SCHEDULE", {}),
        "tickets-inbound-imap": {
            "task": "tickets.tasks.inbound_poll_imap",
            "schedule": env.int("INBOUND_IMAP_POLL_SECONDS", default=60),
        },
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# The embedded default keeps everything under var/; make sure its folders exist.
if DEBUG:
    for _path in (VAR_DIR, STATIC_ROOT, MEDIA_ROOT, VAR_DIR / "mail", VAR_DIR / "celery" / "queue"):
        Path(_path).mkdir(parents=True, exist_ok=True)
