"""Forecourt settings: every value comes from the environment (see docs/configuration.md)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from forecourt.lib.env import env_bool, env_int, env_list, env_str, secret_key_from_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("FORECOURT_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = secret_key_from_file(VAR_DIR / "secret_key")
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
BASE_URL = env_str("FORECOURT_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [BASE_URL]
INTAKE_DOMAIN = env_str("FORECOURT_INTAKE_DOMAIN", "leads.forecourt.localhost")
RELAY_DOMAIN = env_str("FORECOURT_RELAY_DOMAIN", "relay.forecourt.localhost")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "forecourt",
    "django_tasks_db",
    "ninja",
    "accounts",
    "dealerships",
    "inventory",
    "leads",
    "notifications",
    "api",
    "intake",
    "escalations",
    "followups",
    "distribution",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "forecourt.middleware.DealershipTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "forecourt.urls"
WSGI_APPLICATION = "forecourt.wsgi.application"

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
                "accounts.context_processors.memberships",
            ],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'forecourt.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the web, worker and smtpd processes read while one of them writes;
    # IMMEDIATE transactions take the write lock up front instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so tests can start real servers and workers against the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-forecourt.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and a statement run often on one connection prepared once:
    # PostgreSQL then parses and plans it once per connection instead of on every run.
    _prepare_after = env_int("DATABASE_PREPARE_THRESHOLD", 5)
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": _prepare_after if _prepare_after > 0 else None,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Login throttling: failures are counted per (address, account) and per address, never per
# account alone, so nobody can lock a salesperson out by guessing at their email from elsewhere.
LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = env_int("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 50)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
RESET_REQUESTS_PER_EMAIL = env_int("RESET_REQUESTS_PER_EMAIL", 3)
RESET_REQUESTS_PER_ADDRESS = env_int("RESET_REQUESTS_PER_ADDRESS", 20)
RESET_REQUEST_WINDOW_SECONDS = env_int("RESET_REQUEST_WINDOW_SECONDS", 60 * 60)
# Behind a reverse proxy that does not set REMOTE_ADDR itself, the header (e.g. X-Forwarded-For)
# whose last address the proxy wrote; empty = trust REMOTE_ADDR only (see docs/accounts.md).
TRUSTED_PROXY_HEADER = env_str("FORECOURT_TRUSTED_PROXY_HEADER", "")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Background work: tasks are stored in the database and run by `manage.py runworker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# How long a worker may hold a claimed job before another worker may take it over.
JOB_LEASE_SECONDS = env_int("FORECOURT_JOB_LEASE_SECONDS", 120)
# Every outbound network call (SMTP, provider APIs) gives up after this many seconds.
OUTBOUND_TIMEOUT_SECONDS = env_int("FORECOURT_OUTBOUND_TIMEOUT_SECONDS", 20)

SMTP_URL = env_str("SMTP_URL", "")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Forecourt <no-reply@{RELAY_DOMAIN}>")

SMS_PROVIDER = env_str("SMS_PROVIDER", "twilio" if env_str("TWILIO_ACCOUNT_SID") else "console")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_API_BASE = env_str("TWILIO_API_BASE", "https://api.twilio.com")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Django's own mail helpers are never used to send: every email is an OutboundEmail row sent
# by the worker through notifications/email.py. This keeps anything else on the console.
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
