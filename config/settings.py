"""Deckhand settings, read from environment variables only.

See README.md ("Configuration") for every variable. Bad values raise
ImproperlyConfigured at start-up.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "data")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("SITE_NAME", "Deckhand")

# Private installs turn sign-up off and create accounts with `createsuperuser`.
SIGNUP_ENABLED = env_bool("SIGNUP_ENABLED", True)

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
    "csp",
    "django_tasks",
    "django_tasks_db",
    "accounts",
    "flashcards",
    "reviews",
    "exports",
    "imports",
    "ninja",
    "api",
    "ankiconnect",
    "classrooms",
    "stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # After CommonMiddleware (host validation), before CSRF: a JSON POST to "/" is an
    # AnkiConnect request (tools that take only a host and port), not the deck form.
    "ankiconnect.middleware.AnkiConnectRootMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.LearnerTimezoneMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "csp.context_processors.nonce",
                "config.context_processors.site",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]
# template_partials wraps the loaders itself when it is in INSTALLED_APPS.

# --- Database -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
else:
    # The embedded default just works: its folder is made on first start.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "deckhand.sqlite3",
            # Kept open between requests: opening the file and running the pragmas
            # below cost 0.3 ms, more than a whole grade's statements.
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so two writers queue
                # behind the busy timeout instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-20000;"
                    "PRAGMA temp_store=MEMORY;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env_str("REDIS_URL", ""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_URL", ""),
        }
    }

# --- Background tasks ---------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's ModelBackend and database sessions, each reading its row on every request
# with one raw SELECT instead of an ORM query (accounts/fastload.py says why).
AUTHENTICATION_BACKENDS = ["accounts.backends.AccountBackend"]
SESSION_ENGINE = "accounts.sessions"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "flashcards:deck_list"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Failed logins allowed per account and per address inside the window.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900, minimum=1)
# How many reverse proxies in front of Deckhand append to X-Forwarded-For. At 0 the
# header is ignored and the client address is REMOTE_ADDR (it can be forged).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# --- AnkiConnect endpoint and JSON API ---------------------------------------------
# A username whose collection answers AnkiConnect requests that carry no key, when they
# come from this machine (a one-person install, as desktop AnkiConnect). Empty: refuse.
ANKICONNECT_LOOPBACK_USER = env_str("ANKICONNECT_LOOPBACK_USER", "")
# Origins browsers may call the endpoint from. "scheme://*" allows every origin of that
# scheme, "http://host:*" every port; "*" allows all. Default as AnkiConnect.
ANKICONNECT_CORS_ORIGINS = env_list(
    "ANKICONNECT_CORS_ORIGINS",
    [
        "http://localhost",
        "http://localhost:*",
        "http://127.0.0.1",
        "http://127.0.0.1:*",
        "https://127.0.0.1",
        "chrome-extension://*",
        "moz-extension://*",
        "safari-web-extension://*",
    ],
)
# Hosts storeMediaFile may download a "url" from ("example.org", "*.example.org").
# Empty: downloads are refused. Private and loopback addresses are refused whatever this says.
ANKICONNECT_MEDIA_URL_ALLOWLIST = env_list("ANKICONNECT_MEDIA_URL_ALLOWLIST", [])
ANKICONNECT_MAX_BODY_MB = env_int("ANKICONNECT_MAX_BODY_MB", 40, minimum=1)
ANKICONNECT_MAX_MULTI_ACTIONS = env_int("ANKICONNECT_MAX_MULTI_ACTIONS", 100, minimum=1)
# Requests per key (AnkiConnect and /api/v1 together) in each window.
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 1200, minimum=1)
API_RATE_WINDOW_SECONDS = env_int("API_RATE_WINDOW_SECONDS", 60, minimum=1)
API_PAGE_SIZE = env_int("API_PAGE_SIZE", 50, minimum=1)

# --- I18N -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
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
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))

# Upload limits, in megabytes.
MAX_MEDIA_UPLOAD_MB = env_int("MAX_MEDIA_UPLOAD_MB", 20, minimum=1)
MAX_IMPORT_UPLOAD_MB = env_int("MAX_IMPORT_UPLOAD_MB", 500, minimum=1)
# Imports are hostile until proven otherwise: caps on what a package may unpack to.
MAX_IMPORT_ENTRIES = env_int("MAX_IMPORT_ENTRIES", 100_000, minimum=1)
MAX_IMPORT_UNCOMPRESSED_MB = env_int("MAX_IMPORT_UNCOMPRESSED_MB", 2048, minimum=1)
IMPORT_SQLITE_SECONDS = env_int("IMPORT_SQLITE_SECONDS", 300, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_MB", 30, minimum=1) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Card HTML is sanitized on render; the policy is the second wall: no inline
# script, nothing loaded from other origins. Inline styles are allowed because
# Anki cards carry style attributes and per-note-type CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
