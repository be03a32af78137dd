"""Settings for the Admin Center: one module, driven by environment variables.

DATABASE_URL  default: an embedded SQLite file under var/ (postgres://… for PostgreSQL)
SECRET_KEY    required unless DEBUG is on (or the test suite is running)
DEBUG         "1"/"true" for development; off by default
ALLOWED_HOSTS comma-separated; default "localhost,127.0.0.1" (DEBUG) and "" otherwise
SECURE_SSL    "0" to serve production over plain HTTP behind a proxy that does not terminate TLS
ADMIN_CENTER_BENCH  "1" installs the benchmarks' app (``python -m bench`` sets it); it is also
              installed with DEBUG and under pytest, never otherwise
"""

import importlib.util
import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# pytest-django imports these settings before any conftest runs, so the suite is detected here.
TESTING = "pytest" in sys.modules
DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("Set SECRET_KEY (a long random string) or DEBUG=1.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "guardian",
    "ninja",
    "csp",  # hardening: the Content-Security-Policy header (see CONTENT_SECURITY_POLICY)
    "axes",  # hardening: throttles repeated sign-in failures (see AXES_*)
    "accounts",
    "groups",
    "audit",
    "apis",
    "adminsite",
]
# Development only: the benchmarks and their scale data (`seed_scale`). Production runs without
# it (and a deployed package does not ship it).
BENCH = (DEBUG or TESTING or env_bool("ADMIN_CENTER_BENCH")) and bool(
    importlib.util.find_spec("bench")
)
if BENCH:
    INSTALLED_APPS.append("bench")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Hardening: the Content-Security-Policy on every response, the Django admin's included.
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Hardening: Vary: HX-Request and no caching of any page or API answer (static files, served
    # above by WhiteNoise, keep their long cache). Outermost, so error pages get it too.
    "adminsite.middleware.PrivateNoStoreMiddleware",
    # A body too big for the server: 413 in the API's own error shape, before anything reads it.
    "apis.middleware.BodyTooBigMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "groups.middleware.ExpireMembershipsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apis.rest.middleware.ApiErrorShapeMiddleware",
    # Hardening: sign-in throttling; axes wants to be last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "adminsite.urls"
WSGI_APPLICATION = "adminsite.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Hardening: refuses a locked-out username+address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Guardian's anonymous user needs a username; our users log in by email and anonymous visitors
# never hold object permissions.
ANONYMOUS_USER_NAME = None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# WhiteNoise serves from here; it exists before the first collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

SESSION_COOKIE_HTTPONLY = True
# Hardening: cookies stay on this site (Lax keeps links from mail working); the CSRF cookie is
# read by no script (htmx sends the token from <body hx-headers>), so it is HttpOnly too.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Hardening: Content-Security-Policy, the same in development, tests and production, so the
# browser tests catch a violation. No 'unsafe-inline', no 'unsafe-eval': every script and style
# comes from our static files, htmx is configured by <meta name="htmx-config"> (no eval, no
# injected indicator styles). Plain strings, so that moving to Django 6's built-in CSP is
# `SECURE_CSP = CSP_DIRECTIVES` plus its middleware.
CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
CONTENT_SECURITY_POLICY = {"DIRECTIVES": CSP_DIRECTIVES}

# Hardening: sign-in throttling (django-axes). Five failures for one email from one address
# lock that pair out for 15 minutes (others, and the same person elsewhere, are not locked);
# a successful sign-in clears the count. Behind a proxy set AXES_CLIENT_IP_CALLABLE (or install
# django-ipware) so the client's address, not the proxy's, is counted.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The sign-in forms post the email as "username" (axes would look for USERNAME_FIELD, "email").
AXES_USERNAME_FORM_FIELD = "username"
# Case and Unicode variants of one email share one failure counter (issue 15, item 8).
AXES_USERNAME_CALLABLE = "accounts.sign_in.sign_in_name"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Production: HTTPS only. Tests and development run over plain HTTP on localhost.
if not (DEBUG or TESTING) and env_bool("SECURE_SSL", True):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
