"""Signing in and staying safe: passwords, lockout (django-axes), two-factor (django-otp),
sessions, the production HTTPS and cookie settings (switched on when DEBUG is off) and the
Content-Security-Policy."""

from datetime import timedelta

from .base import DEBUG, env

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
