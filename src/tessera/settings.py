"""Django settings. Values an operator may change come from :mod:`tessera.conf`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import dj_database_url

from tessera.conf import read_env

ENV = read_env()
BASE_DIR = Path(__file__).resolve().parent

DEBUG = ENV.debug
SECRET_KEY = ENV.secret_key
ALLOWED_HOSTS = ENV.allowed_hosts
CSRF_TRUSTED_ORIGINS = ENV.csrf_trusted_origins

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "channels",
    "tessera.core",
    "tessera.jobs",
    "tessera.accounts",
    "tessera.tickets",
    "tessera.channels",
    "tessera.rules",
    "tessera.sla",
    "tessera.routing",
    "tessera.search",
    "tessera.spam",
    "tessera.reports",
    "tessera.api",
    "tessera.web",
    "tessera.agent_ui",
    "tessera.portal",
    "tessera.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tessera.web.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tessera.urls"
ASGI_APPLICATION = "tessera.asgi.application"
WSGI_APPLICATION = None

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]


def _database(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of one failing
        # half-way with "database is locked" on a stale snapshot.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config["CONN_MAX_AGE"] = 0
        # A file, not memory, so that servers and workers started by tests share the database;
        # one per test process, so that concurrent runs never delete each other's.
        config["TEST"] = {"NAME": str(ENV.data_dir / f"test_tessera_{os.getpid()}.sqlite3")}
    else:
        config["ENGINE"] = "django.db.backends.postgresql"
        # Under ASGI every request runs in a thread of its own, and persistent connections
        # (CONN_MAX_AGE) would outlive those threads until PostgreSQL refuses new clients. A
        # pool per process bounds the connections and still saves the connect on each request.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {"pool": {"min_size": 1, "max_size": ENV.db_pool_size, "timeout": 30}}
    config.setdefault("TEST", {})
    return config


DATABASES = {"default": _database(ENV.database_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("vi", "Tiếng Việt"), ("th", "ไทย"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = ENV.time_zone
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = ENV.data_dir / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = ENV.media_root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {
    "default": {
        "BACKEND": "tessera.jobs.backend.DatabaseBackend",
        "QUEUES": ["default", "email", "rules"],
        "OPTIONS": {},
    }
}

if ENV.redis_url:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [ENV.redis_url]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def _email(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme in {"smtp", "smtps", "smtp+tls"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
            "EMAIL_HOST_USER": parts.username or "",
            "EMAIL_HOST_PASSWORD": parts.password or "",
            "EMAIL_USE_SSL": parts.scheme == "smtps",
            "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
            "EMAIL_TIMEOUT": int(query.get("timeout", ["30"])[0]),
        }
    raise ValueError(f"TESSERA_EMAIL_URL scheme {parts.scheme!r} is not supported")


globals().update(_email(ENV.email_url))
DEFAULT_FROM_EMAIL = ENV.default_from_email
# Provider inbound webhooks (django-anymail): Mailgun signs with its webhook signing key; the
# others authenticate with HTTP basic auth ("user:password" in the webhook URL).
ANYMAIL = {
    "MAILGUN_WEBHOOK_SIGNING_KEY": ENV.mailgun_signing_key,
    "WEBHOOK_SECRET": ENV.inbound_webhook_secret,
}
SERVER_EMAIL = ENV.default_from_email

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'", "ws:", "wss:"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}

TESSERA = {
    "TICKET_PREFIX": ENV.ticket_prefix,
    "MAX_ATTACHMENT_BYTES": ENV.max_attachment_bytes,
    "MAX_INBOUND_EMAIL_BYTES": ENV.max_inbound_email_bytes,
    "SITE_URL": ENV.site_url,
    "REPLY_DOMAIN": ENV.reply_domain,
    "LIST_COUNTS_SECONDS": ENV.list_counts_seconds,
    "SPAM_MIN_EXAMPLES": ENV.spam_min_examples,
    "SPAM_THRESHOLD": ENV.spam_threshold,
    "FIELD_KEYS": ENV.field_keys,
    # Amazon SES inbound (/inbound/amazon-ses/): see tessera.channels.sns. Only https: the
    # certificate is trusted because TLS proved it came from Amazon's host.
    "SES_TOPIC_ARNS": ENV.ses_topic_arns,
    "SNS_HOST_PATTERN": ENV.sns_host_pattern,
    "SNS_URL_SCHEMES": ["https"],
    "MAIL_ALLOWED_NETWORKS": ENV.mail_allowed_networks,
    "MAIL_AUTHSERV_IDS": ENV.mail_authserv_ids,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "asyncio": {"level": "WARNING"},
        # The worker logs each job it runs; Django's own per-task lines would double them.
        "django.tasks": {"level": "WARNING"},
    },
}
