"""HuntZen Care settings: everything comes from the environment.

Embedded defaults run a demo (SQLite, in-memory channel layer, console email).
With DEBUG off, production secrets have no default: start-up stops instead.
"""

import hashlib
import hmac
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from huntzen.env import env_bool, env_int, env_list, env_str
from huntzen.keys import dev_encryption_keys, parse_encryption_keys

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value (DEBUG is off)."
        )
    SECRET_KEY = "insecure-demo-only-secret-key-not-for-production-use-0123456789"

_raw_keys = env_str("HUNTZEN_ENCRYPTION_KEYS")
if not _raw_keys:
    if not DEBUG:
        raise ImproperlyConfigured(
            "HUNTZEN_ENCRYPTION_KEYS is not set. It must hold 'id:key' pairs, each key "
            "32 random bytes in URL-safe base64 (DEBUG is off)."
        )
    _raw_keys = dev_encryption_keys(BASE_DIR / "var" / "dev-encryption-key")
HUNTZEN_ENCRYPTION_KEYS = parse_encryption_keys(_raw_keys)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "channels",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    "huntzen.content",
    "huntzen.outbox",
    "huntzen.idempotency",
    "accounts",
    "companies",
    "consultations",
    "medical",
    "metrics",
    "chat",
]

MIDDLEWARE = [
    # First: whatever happens below, and even after the client left (F1), the request's
    # database connections go back to the pool in the thread that used them.
    "huntzen.middleware.ReleaseConnectionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (static files keep their own caching), above everything else.
    "huntzen.middleware.PrivateByDefaultCacheMiddleware",
    "huntzen.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "huntzen.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "huntzen.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "huntzen.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.MfaEnrollmentRequiredMiddleware",
]

ROOT_URLCONF = "huntzen.urls"
WSGI_APPLICATION = "huntzen.wsgi.application"
ASGI_APPLICATION = "huntzen.asgi.application"

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
                "csp.context_processors.nonce",
                # After Django's built-in csrf processor: its token, masked cheaper.
                "huntzen.csrf.csrf",
            ],
            "builtins": [
                "huntzen.date_filters",
                "huntzen.typography",
                "huntzen.nav",
                "huntzen.csrf",  # {% csrf_token %}
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL, conn_health_checks=True)
    if _db["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL.")
    _options = _db.setdefault("OPTIONS", {})
    # An unreachable server costs a request a few seconds and a 503 (huntzen.errors), not
    # a long wait. No statement waits on a row lock, or runs, forever (0 turns one off):
    # a request that outlives its client still holds its connection meanwhile.
    _options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 3, minimum=1))
    _lock_ms = env_int("DATABASE_LOCK_TIMEOUT_MS", 5000, minimum=0)
    _statement_ms = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 30000, minimum=0)
    _options["options"] = " ".join(
        filter(
            None,
            [
                _options.get("options", ""),
                f"-c lock_timeout={_lock_ms}",
                f"-c statement_timeout={_statement_ms}",
            ],
        )
    )
    # Statements bound server-side are prepared at their first run on a connection: only
    # the session read of every signed-in request is (huntzen/postgresql/base.py
    # `text_row`: libpq's prepared statement, or `prepared_cursor` inside a transaction),
    # the rest is bound client-side. Needs connections that keep
    # their prepared statements (direct ones, psycopg's pool; not a transaction pooler).
    _options.setdefault("prepare_threshold", 0)
    # Django's backend with timestamps decoded in C and, with the pool, a pool that checks
    # each connection as it leaves and, at the first dead one, sweeps them all: after a
    # PostgreSQL restart no request sees a stale connection (F4).
    _db["ENGINE"] = "huntzen.postgresql"
    if env_bool("DATABASE_POOL", True):
        # psycopg's pool: a new PostgreSQL connection costs ~16 ms here.
        _db["CONN_MAX_AGE"] = 0
        _db["CONN_HEALTH_CHECKS"] = False
        _options["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 2, minimum=0),
            "max_size": env_int("DATABASE_POOL_MAX", 20, minimum=1),
            # Seconds a request waits for a connection before its 503.
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 3, minimum=1),
        }
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "var" / "db.sqlite3",
            # A write transaction takes SQLite's write lock at BEGIN, so concurrent
            # requests wait for it (up to `timeout` seconds) instead of failing with
            # "database is locked" when a transaction that has read tries to write.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
            # The tests' database is a file too: an in-memory one is a single connection
            # that Django's live server shares between its request threads, whose
            # transactions then interleave (the contract and browser tests send
            # concurrent requests).
            "TEST": {"NAME": BASE_DIR / "var" / "test-db.sqlite3"},
        }
    }
    (BASE_DIR / "var").mkdir(exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache (rate limits), channel layer ----------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis, or a per-process memory while Redis fails (huntzen.cache): sign-in
            # rate limits keep limiting, per process, and never answer 500.
            "BACKEND": "huntzen.cache.FailoverRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "huntzen"),
            "OPTIONS": {
                "socket_connect_timeout": 1,
                "socket_timeout": 1,
                # Django's serializer, minus an int() on every pickled value.
                "serializer": "huntzen.cache_values.PickleFirstSerializer",
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            # The core layer's default capacity (100) silently dropped group messages
            # at 400 sockets on these machines; pub/sub has no per-channel capacity.
            # channels_redis's pub/sub layer, its messages sealed with AES-GCM.
            "BACKEND": "huntzen.channel_layer.SealedPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "max_connections": 1000}],
                "prefix": env_str("CHANNEL_LAYER_PREFIX", "huntzen"),
                # Chat messages cross Redis pub/sub: sealed, never in clear, under keys
                # derived from HUNTZEN_ENCRYPTION_KEYS (the first seals, all open: a
                # rotation keeps working).
                "sealing_keys": [
                    hmac.new(key, b"huntzen channel layer", hashlib.sha256).hexdigest()
                    for _key_id, key in HUNTZEN_ENCRYPTION_KEYS
                ],
            },
        }
    }
    # Sessions stay in PostgreSQL only (Django's default engine), not `cached_db`: a
    # logout while Redis is down would delete the session from the database and from
    # one process's fallback memory, and Redis, once back, would still hold it and sign
    # the device in again. One indexed query per request buys "signed out is signed out".
else:
    # One process (make demo): local memory. Several processes on one machine without
    # Redis (make serve): a cache directory they all share, so that a chat ticket issued
    # by gunicorn is found by daphne and rate limits count across processes.
    _cache_dir = env_str("HUNTZEN_FILE_CACHE_DIR")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": _cache_dir,
        }
        if _cache_dir
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background work: Celery (huntzen/celery.py) --------------------------------
# The broker is Redis (REDIS_URL unless CELERY_BROKER_URL names another). Without one
# (the embedded default) tasks run in the process, right after the commit that queued
# them ("eager"): `make demo` needs no worker.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "") or REDIS_URL or ""
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
if not CELERY_BROKER_URL:
    if not CELERY_TASK_ALWAYS_EAGER:
        raise ImproperlyConfigured(
            "CELERY_TASK_ALWAYS_EAGER is off but there is no broker: set REDIS_URL or "
            "CELERY_BROKER_URL."
        )
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged once done: a worker killed mid-task leaves it to another.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queuing from a request gives up quickly when the broker is down: the outbox row is
# committed anyway and the periodic sweep queues it again (huntzen/outbox).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # Redis keys of the queue, beside the cache and the channel layer in one Redis.
    "global_keyprefix": env_str("CELERY_KEY_PREFIX", "huntzen") + ":",
    # Longer than any task: an unacknowledged task is redelivered after this.
    "visibility_timeout": 3600,
}
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BEAT_SCHEDULE_FILENAME = env_str(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "var" / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULER = "huntzen.celery:Scheduler"
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "huntzen.outbox.tasks.outbox_sweep", "schedule": 60.0},
    "consultation-reminders": {
        "task": "consultations.tasks.queue_due_reminders",
        "schedule": 60.0,
    },
    "outbox-purge-sent": {"task": "huntzen.outbox.tasks.outbox_purge_sent", "schedule": 3600.0},
    "idempotency-purge": {"task": "huntzen.idempotency.tasks.purge_expired", "schedule": 3600.0},
    "personal-data-exports-sweep": {
        "task": "medical.tasks.personal_data_exports_sweep",
        "schedule": 300.0,
    },
    "personal-data-exports-purge": {
        "task": "medical.tasks.personal_data_exports_purge",
        "schedule": 3600.0,
    },
}

# Personal-data exports (medical/exports.py): an account with more rows than
# INLINE_LIMIT (journal entries + chat messages + clinical notes + consultations) gets
# its ZIP built by a task, kept sealed for KEEP_DAYS; a build holds its claim for
# LEASE_SECONDS and is tried MAX_ATTEMPTS times.
HUNTZEN_EXPORT_INLINE_LIMIT = env_int("HUNTZEN_EXPORT_INLINE_LIMIT", 2000, minimum=0)
HUNTZEN_EXPORT_KEEP_DAYS = env_int("HUNTZEN_EXPORT_KEEP_DAYS", 7, minimum=1)
HUNTZEN_EXPORT_LEASE_SECONDS = env_int("HUNTZEN_EXPORT_LEASE_SECONDS", 900, minimum=1)
HUNTZEN_EXPORT_MAX_ATTEMPTS = env_int("HUNTZEN_EXPORT_MAX_ATTEMPTS", 3, minimum=1)

# The email outbox: every email is a row written with the change that causes it,
# delivered by a task; a failed attempt is retried after RETRY_BASE × 2^(n-1) seconds
# (at most RETRY_MAX), up to MAX_ATTEMPTS; a delivery claimed by a worker that died is
# taken over once its lease is over (longer than EMAIL_TIMEOUT).
HUNTZEN_OUTBOX_RETRY_BASE_SECONDS = env_int("HUNTZEN_OUTBOX_RETRY_BASE_SECONDS", 30, minimum=1)
HUNTZEN_OUTBOX_RETRY_MAX_SECONDS = env_int("HUNTZEN_OUTBOX_RETRY_MAX_SECONDS", 3600, minimum=1)
HUNTZEN_OUTBOX_MAX_ATTEMPTS = env_int("HUNTZEN_OUTBOX_MAX_ATTEMPTS", 40, minimum=1)
HUNTZEN_OUTBOX_LEASE_SECONDS = env_int("HUNTZEN_OUTBOX_LEASE_SECONDS", 300, minimum=1)
# Sent rows (recipient, kind, dates; no content) are kept this long for the admin.
HUNTZEN_OUTBOX_KEEP_SENT_DAYS = env_int("HUNTZEN_OUTBOX_KEEP_SENT_DAYS", 30, minimum=1)

# Idempotency-Key on API writes (huntzen/idempotency): a retry within this time
# answers the first answer again.
HUNTZEN_IDEMPOTENCY_TTL = timedelta(hours=env_int("HUNTZEN_IDEMPOTENCY_TTL_HOURS", 24, minimum=1))

# --- Accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, reading the signed-in user (and its role's permissions)
# through the cache for this long, invalidated on every change (accounts/auth_cache.py);
# 0 reads the database on every request: the default without Redis, whose local-memory
# cache other processes cannot invalidate.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
HUNTZEN_AUTH_CACHE_SECONDS = env_int(
    "HUNTZEN_AUTH_CACHE_SECONDS", 60 if REDIS_URL else 0, minimum=0
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("HUNTZEN_LOGIN_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "HuntZen Care – "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"

# A personal address for appointment emails (the privacy page): added and verified with
# allauth's email management, beside the account address, which stays the primary one
# and the login (accounts/email_views.py refuses "make primary"). Sign-up stays closed
# (accounts.adapter).
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_MAX_EMAIL_ADDRESSES = 2
ACCOUNT_EMAIL_CONFIRMATION_AUTHENTICATED_REDIRECT_URL = "/accounts/email/"

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "HuntZen Care"
_ALL_ROLES = ["R1_PSG_SUPER", "R2_HUNTZEN_ADMIN", "R3_COMPANY_RH", "R4_PRACTITIONER", "R5_EMPLOYEE"]
HUNTZEN_MFA_REQUIRED_ROLES = env_list("HUNTZEN_MFA_REQUIRED_ROLES", [] if DEBUG else _ALL_ROLES[:4])
for _role in HUNTZEN_MFA_REQUIRED_ROLES:
    if _role not in _ALL_ROLES:
        raise ImproperlyConfigured(f"HUNTZEN_MFA_REQUIRED_ROLES: unknown role {_role!r}.")

HEADLESS_CLIENTS = ("app",)
HEADLESS_TOKEN_STRATEGY = "accounts.tokens.RevokingJWTTokenStrategy"
HEADLESS_JWT_ALGORITHM = "HS256"
HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = 15 * 60
HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN = 7 * 24 * 3600
HEADLESS_JWT_ROTATE_REFRESH_TOKEN = True
HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED = True
HEADLESS_SERVE_SPECIFICATION = DEBUG

HUNTZEN_INVITATION_VALIDITY = timedelta(days=7)
HUNTZEN_MIN_GROUP_SIZE = env_int("HUNTZEN_MIN_GROUP_SIZE", 5, minimum=1)

# --- REST API -------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.MfaEnrolled",
    ],
    "DEFAULT_PAGINATION_CLASS": "huntzen.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "huntzen.api_docs.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "huntzen.negotiation.ContentNegotiation",
    "DEFAULT_PARSER_CLASSES": ["huntzen.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "huntzen.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "HuntZen Care API",
    "DESCRIPTION": "Mental health as a service for companies. Sign in with allauth "
    "headless at /_allauth/app/v1/ and send `Authorization: Bearer <access token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from our static files: the CSP forbids third-party CDNs.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "CAMELIZE_NAMES": False,
    # Every 4xx with the one error body (huntzen/api.py), documented once.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "huntzen.api.document_error_answers",
    ],
    # One name for the consultation status wherever a schema field uses it.
    "ENUM_NAME_OVERRIDES": {
        "ConsultationStatusEnum": "consultations.models.Consultation.Status",
        "ConsultationKindEnum": "consultations.models.Consultation.Kind",
    },
}

# --- Guardian -------------------------------------------------------------------
ANONYMOUS_USER_NAME = None  # no anonymous user row: nobody anonymous holds a permission
GUARDIAN_RAISE_403 = False

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "huntzen.staticfiles.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Email ----------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A silent SMTP server costs at most this many seconds, never a request held forever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "HuntZen Care <no-reply@huntzen.care>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Video (Jitsi) --------------------------------------------------------------
JITSI_DOMAIN = env_str("JITSI_DOMAIN", "meet.jit.si")
JITSI_APP_ID = env_str("JITSI_APP_ID", "")
JITSI_APP_SECRET = env_str("JITSI_APP_SECRET", "")
if bool(JITSI_APP_ID) != bool(JITSI_APP_SECRET):
    raise ImproperlyConfigured("Set both JITSI_APP_ID and JITSI_APP_SECRET, or neither.")

# --- Consultations ----------------------------------------------------------------
# Absolute links in emails and calendar files (huntzen.links): never from a request's Host.
HUNTZEN_SITE_URL = env_str(
    "HUNTZEN_SITE_URL",
    "http://127.0.0.1:8000" if DEBUG else f"https://{(ALLOWED_HOSTS or ['localhost'])[0]}",
)
HUNTZEN_BOOKING_NOTICE_MINUTES = env_int("HUNTZEN_BOOKING_NOTICE_MINUTES", 120, minimum=0)
# An employee who cancels later than this before the start makes a late cancellation
# (paid to the practitioner or not, per company); rescheduling closes at the same time.
HUNTZEN_CANCELLATION_NOTICE_HOURS = env_int("HUNTZEN_CANCELLATION_NOTICE_HOURS", 24, minimum=0)
HUNTZEN_BOOKING_HORIZON_WEEKS = env_int("HUNTZEN_BOOKING_HORIZON_WEEKS", 8, minimum=1)
HUNTZEN_MAX_CONSULTATION_SECONDS = env_int("HUNTZEN_MAX_CONSULTATION_SECONDS", 3 * 3600, minimum=60)
# The room opens 15 minutes before the start; the practitioner may start the consultation
# until its planned end plus this grace (later: only a no-show or a cancellation).
HUNTZEN_START_GRACE_MINUTES = env_int("HUNTZEN_START_GRACE_MINUTES", 15, minimum=0)

# --- Chat: open from this long before the start to this long after the end ----------
HUNTZEN_CHAT_OPENS_BEFORE = timedelta(
    minutes=env_int("HUNTZEN_CHAT_OPENS_BEFORE_MINUTES", 15, minimum=0)
)
HUNTZEN_CHAT_CLOSES_AFTER = timedelta(
    hours=env_int("HUNTZEN_CHAT_CLOSES_AFTER_HOURS", 24, minimum=0)
)

# --- Security headers (every mode) ----------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_AGE = 8 * 3600
# Django's database sessions, read with a plain statement (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"

_https = env_bool("HUNTZEN_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = _https
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_HSTS_SECONDS = 31536000 if _https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = _https
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("HUNTZEN_BEHIND_PROXY", False) else None
)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
# No report-only policy (django-csp's default, written here so the code reads it once:
# huntzen.middleware.CSPMiddleware builds both policies once per process).
CONTENT_SECURITY_POLICY_REPORT_ONLY = None

# --- Faults: a database or Redis outage answers 503 with Retry-After (huntzen.errors) --
HUNTZEN_RETRY_AFTER_SECONDS = env_int("HUNTZEN_RETRY_AFTER_SECONDS", 10, minimum=1)

# --- Logging: never medical text -------------------------------------------------
DEFAULT_EXCEPTION_REPORTER_FILTER = "huntzen.errors.MedicalSafeExceptionReporterFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {
        "expected_refusals": {"()": "huntzen.log_filters.ExpectedRefusalFilter"},
        "unavailable": {"()": "huntzen.log_filters.UnavailableFilter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["expected_refusals", "unavailable"]},
    },
}

# --- Security review (issue 12): caching, proxies, sign-in limits, API edges ------
# API JSON bodies larger than this are refused with 413 before they are parsed.
HUNTZEN_API_MAX_BODY_BYTES = env_int("HUNTZEN_API_MAX_BODY_BYTES", 1024 * 1024, minimum=1024)

# The OpenAPI schema and Swagger UI: "public" (anyone) or "staff" (R1, R2, superusers).
HUNTZEN_API_DOCS = env_str("HUNTZEN_API_DOCS", "public" if DEBUG else "staff")
if HUNTZEN_API_DOCS not in ("public", "staff"):
    raise ImproperlyConfigured(
        f"HUNTZEN_API_DOCS must be 'public' or 'staff', got {HUNTZEN_API_DOCS!r}."
    )

# Behind a reverse proxy: the client address that rate limits count. allauth reads it
# from X-Forwarded-For, this many hops from the right (each trusted proxy appends the
# address it saw; anything further left was written by the client); 0 ignores the
# header. Or from one header that the proxy alone sets (e.g. X-Real-IP).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int(
    "HUNTZEN_TRUSTED_PROXY_COUNT", 1 if env_bool("HUNTZEN_BEHIND_PROXY", False) else 0, minimum=0
)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("HUNTZEN_TRUSTED_CLIENT_IP_HEADER", "") or None

# Failed sign-ins: HUNTZEN_LOGIN_RATE_LIMIT's "key" is one account from one address
# (blocking); this one is the account from anywhere, over a short window that slows
# guessing down without locking the owner out for long (accounts.adapter).
ACCOUNT_RATE_LIMITS["login_failed_account"] = env_str(
    "HUNTZEN_LOGIN_ACCOUNT_RATE_LIMIT", "10/m/key"
)
# --- API rate limits (issue 17): DRF throttles, huntzen/throttling.py -------------
# Every API request, per user (anonymous: per client address, after the trusted
# proxies above); bookings on top. "<n>/<s|m|h|d>", as DRF reads them.
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["huntzen.throttling.ApiRateThrottle"]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "api": env_str("HUNTZEN_API_RATE_LIMIT", "100/m"),
    "booking": env_str("HUNTZEN_API_BOOKING_RATE_LIMIT", "10/m"),
}
for _scope, _rate in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].items():
    if not re.fullmatch(r"\d+/[smhd]", _rate):
        raise ImproperlyConfigured(
            f"The API {_scope} rate limit must look like 100/m, got {_rate!r}."
        )
REST_FRAMEWORK["NUM_PROXIES"] = ALLAUTH_TRUSTED_PROXY_COUNT
# Invitation emails one person may send (one invitation, a re-sent link, each row of a
# CSV import), over a sliding window: accounts/limits.py. Same format.
HUNTZEN_INVITATION_RATE_LIMIT = env_str("HUNTZEN_INVITATION_RATE_LIMIT", "500/h")
if not re.fullmatch(r"[1-9]\d*/[smhd]", HUNTZEN_INVITATION_RATE_LIMIT):
    raise ImproperlyConfigured(
        "HUNTZEN_INVITATION_RATE_LIMIT must look like 500/h, "
        f"got {HUNTZEN_INVITATION_RATE_LIMIT!r}."
    )

_RATE_RE = re.compile(r"^\d+/\d*[smhd](/(ip|key|user))?$")
for _name, _rates in (
    ("HUNTZEN_LOGIN_RATE_LIMIT", ACCOUNT_RATE_LIMITS["login_failed"]),
    ("HUNTZEN_LOGIN_ACCOUNT_RATE_LIMIT", ACCOUNT_RATE_LIMITS["login_failed_account"]),
):
    if not all(_RATE_RE.match(part.strip()) for part in _rates.split(",")):
        raise ImproperlyConfigured(
            f"{_name} must be allauth rates like '10/m/ip,5/5m/key', got {_rates!r}."
        )

# Jitsi room names are HMAC-SHA256(key, consultation id), never stored. A dedicated key
# so that rotating SECRET_KEY does not rename every room; unset, one is derived from
# SECRET_KEY. Changing it renames every room at once: rotate outside consultation hours.
HUNTZEN_VIDEO_ROOM_KEY = (
    env_str("HUNTZEN_VIDEO_ROOM_KEY", "")
    or hmac.new(SECRET_KEY.encode(), b"huntzen-care/video-room-key", hashlib.sha256).hexdigest()
)
if len(HUNTZEN_VIDEO_ROOM_KEY) < 32:
    raise ImproperlyConfigured("HUNTZEN_VIDEO_ROOM_KEY must be at least 32 characters long.")
