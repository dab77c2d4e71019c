"""Forecourt settings: every value comes from the environment (see docs/configuration.md)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from forecourt.lib import loopback_only
from forecourt.lib.env import env_bool, env_int, env_list, env_str, secret_key_from_file, smtp_options

# Set by the test run for itself and every process it starts (conftest.py): nothing leaves the machine.
if env_bool("FORECOURT_LOOPBACK_ONLY"):
    loopback_only.install()

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
# Without a configured address, links lead to the port the web server was started on: `make run`
# passes PORT to web, worker and smtpd as FORECOURT_WEB_PORT (honcho gives each its own PORT).
WEB_PORT = env_int("FORECOURT_WEB_PORT", 8000)
BASE_URL = env_str("FORECOURT_BASE_URL", f"http://127.0.0.1:{WEB_PORT}").rstrip("/")
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
    "conversations",
    "worksheets",
    "chat",
    "messenger",
    "calls",
    "appointments",
    "relay",
    "reports",
    "customers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "forecourt.middleware.DatabaseAwayMiddleware",  # 503 + Retry-After while the database is away
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "forecourt.nul_bytes.RefuseNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "forecourt.local_time.DealershipTimeZoneMiddleware",
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
                "django.template.context_processors.csp",
            ],
        },
    }
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'forecourt.sqlite3'}")
# Health checks: a kept connection that a database restart cut is replaced before it is used.
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True)
}
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
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Login throttling: failures are counted per (address, account) and per address, never per
# account alone, so nobody can lock a salesperson out by guessing at their email from elsewhere.
LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = env_int("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", 5)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 50)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
RESET_REQUESTS_PER_EMAIL = env_int("RESET_REQUESTS_PER_EMAIL", 3)
RESET_REQUESTS_PER_ADDRESS = env_int("RESET_REQUESTS_PER_ADDRESS", 20)
RESET_REQUEST_WINDOW_SECONDS = env_int("RESET_REQUEST_WINDOW_SECONDS", 60 * 60)
# Live chat on dealers' websites (docs/conversations.md, "Live chat"): messages a visitor may post a
# minute, messages one website may take a minute from all its visitors, new chats one address may
# start an hour; and the minutes without a poll after which a visitor has left the chat.
CHAT_MESSAGES_PER_VISITOR = env_int("CHAT_MESSAGES_PER_VISITOR", 10)
CHAT_MESSAGES_PER_SITE = env_int("CHAT_MESSAGES_PER_SITE", 120)
CHAT_NEW_CHATS_PER_ADDRESS = env_int("CHAT_NEW_CHATS_PER_ADDRESS", 5)
CHAT_AWAY_MINUTES = env_int("CHAT_AWAY_MINUTES", 2)
# Behind a reverse proxy that does not set REMOTE_ADDR itself, the header (e.g. X-Forwarded-For)
# whose last address the proxy wrote; empty = trust REMOTE_ADDR only (see docs/accounts.md).
TRUSTED_PROXY_HEADER = env_str("FORECOURT_TRUSTED_PROXY_HEADER", "")

# Security headers (docs/operations.md). The Content-Security-Policy holds in every mode, so a page
# that would break it breaks in development and in the browser tests first (Django's debug pages
# lift it for themselves): scripts and styles come from our own static files only, never inline.
# The nonce is for Django's own pages that carry one (the CSRF failure page's <style>); a page that
# uses none gets a policy without it.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    # Stock photos live on the dealer's website or inventory feed (https): the composer shows them.
    "img-src": [CSP.SELF, "data:", "https:"],
    # A voice note recorded in the browser is played back from a blob: URL before it is sent.
    "media-src": [CSP.SELF, "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Served over https (FORECOURT_BASE_URL says so): cookies never travel in the clear, and browsers are
# told to come back over https only. Behind a proxy that ends TLS, Django sees plain http unless the
# operator names the header the proxy sets (opt-in: a client could send it too if the proxy does
# not overwrite it). Only then can HSTS be sent and http be redirected without a redirect loop.
HTTPS = BASE_URL.startswith("https://")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
_proxy_ssl_header = env_str("FORECOURT_PROXY_SSL_HEADER")
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
SECURE_SSL_REDIRECT = env_bool("FORECOURT_SSL_REDIRECT", HTTPS and bool(_proxy_ssl_header))
SECURE_HSTS_SECONDS = env_int("FORECOURT_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("FORECOURT_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("FORECOURT_HSTS_PRELOAD", False)
# Asking browser makers to preload the domain is its owner's decision, not a default of ours.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

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
# Stored lead deliveries taken in per transaction when several wait at once (docs/intake.md).
INBOUND_BATCH_SIZE = env_int("FORECOURT_INBOUND_BATCH_SIZE", 50)
# Every outbound network call (SMTP, provider APIs) gives up after this many seconds.
OUTBOUND_TIMEOUT_SECONDS = env_int("FORECOURT_OUTBOUND_TIMEOUT_SECONDS", 20)
SENDS_AT_ONCE = env_int("FORECOURT_SENDS_AT_ONCE", 32)
# Dealership mailboxes (IMAP): on the public internet only unless allowed, with a short time-out.
MAILBOX_ALLOW_PRIVATE = env_bool("FORECOURT_MAILBOX_ALLOW_PRIVATE", False)
MAILBOX_TIMEOUT_SECONDS = env_int("FORECOURT_MAILBOX_TIMEOUT_SECONDS", 10)
# Inventory feeds (inventory/feeds.py): on the public internet only unless allowed.
INVENTORY_FEED_ALLOW_PRIVATE = env_bool("FORECOURT_INVENTORY_FEED_ALLOW_PRIVATE", False)

SMTP_URL = env_str("SMTP_URL", "")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Forecourt <no-reply@{RELAY_DOMAIN}>")

SMS_PROVIDER = env_str("SMS_PROVIDER", "twilio" if env_str("TWILIO_ACCOUNT_SID") else "console")
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
TWILIO_API_BASE = env_str("TWILIO_API_BASE", "https://api.twilio.com")

# Web push (docs/notifications.md): the VAPID key pair that signs every alert sent to a browser's push
# service. Without VAPID_PRIVATE_KEY a pair is generated once into var/, like SECRET_KEY; every web
# and worker process of one installation must share it, or the phones subscribed so far stop hearing.
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY")
VAPID_KEY_FILE = VAR_DIR / "vapid_private_key.pem"
# The contact push services may write to about our alerts: a mailto: or https: address.
VAPID_SUBJECT = env_str("VAPID_SUBJECT")
# Push services are on the public internet; tests point subscriptions at a fake one on loopback.
PUSH_ALLOW_PRIVATE = env_bool("FORECOURT_PUSH_ALLOW_PRIVATE", False)

# Facebook Messenger (docs/conversations.md): the Meta app's secret signs every webhook, the verify
# token answers Meta's subscription check, and the Send API and profiles are asked of the Graph API.
MESSENGER_APP_SECRET = env_str("MESSENGER_APP_SECRET")
MESSENGER_VERIFY_TOKEN = env_str("MESSENGER_VERIFY_TOKEN")
MESSENGER_API_BASE = env_str("MESSENGER_API_BASE", "https://graph.facebook.com").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # aiosmtpd logs every session's connection and each command line at INFO (ten lines a
        # message); smtpd's own line for each message stored is the record kept.
        "mail.log": {"level": "WARNING"},
    },
}

# Every email of ours is an OutboundEmail row sent by the worker through notifications/email.py.
# Django's own mail helpers, should anything use them, send through the same server; without
# SMTP_URL both print to the console, which `check --deploy` reports (production needs SMTP_URL).
_smtp_mailer = {
    "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "OPTIONS": {**smtp_options(SMTP_URL), "timeout": OUTBOUND_TIMEOUT_SECONDS},
}
_console_mailer = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
MAILERS = {"default": _smtp_mailer if SMTP_URL else _console_mailer}
