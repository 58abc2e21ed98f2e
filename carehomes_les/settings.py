"""Settings, read from the environment.

Two modes:

* the **embedded default** (``APP_ENV`` unset or ``development``): with nothing set, a SQLite file,
  Celery tasks run in-process and emails are written to ``var/outbox``. This is what ``make run``
  and ``make test`` use on a fresh machine.
* **production** (``APP_ENV=production``): refuses to start, naming the fix, unless a real
  ``SECRET_KEY``, a PostgreSQL ``DATABASE_URL``, ``ALLOWED_HOSTS`` and a broker are given.

Every variable is listed in the README's configuration table.
"""

import logging
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from carehomes_les.env import env, env_bool, env_int, env_list
from carehomes_les.error_reporting import init_error_reporting
from carehomes_les.logging import logging_config
from carehomes_les.totp_key import totp_development_key, totp_key_problems

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env("VAR_DIR", str(BASE_DIR / "var")))

APP_ENV = env("APP_ENV", "development")
if APP_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"APP_ENV must be 'development' or 'production', not {APP_ENV!r}.")
PRODUCTION = APP_ENV == "production"

_INSECURE_KEY = "django-insecure-embedded-default-for-make-run-and-make-test-only"
SECRET_KEY = env("SECRET_KEY", "" if PRODUCTION else _INSECURE_KEY)
# Rotation (docs/operations.md): the old key moves here, comma-separated, so sessions and signed
# links made with it stay valid until they expire; remove it after SESSION_ABSOLUTE_SECONDS.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DATABASE_URL = env("DATABASE_URL", "")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", env("REDIS_URL", ""))

# The key that encrypts authenticator apps' TOTP secrets at rest (Fernet; accounts/secrets.py,
# ADR 0041). The embedded default derives one from the insecure SECRET_KEY; production requires its
# own. Rotation: the old key moves to the fallbacks (comma-separated) until `manage.py
# rotate_totp_key` has re-encrypted every secret with the new one.
TOTP_ENCRYPTION_KEY = env("TOTP_ENCRYPTION_KEY", "" if PRODUCTION else totp_development_key())
TOTP_ENCRYPTION_KEY_FALLBACKS = env_list("TOTP_ENCRYPTION_KEY_FALLBACKS", [])

if PRODUCTION:
    problems = []
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        problems.append(
            "SECRET_KEY must be set to a random string of at least 50 characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    if any(len(key) < 50 for key in SECRET_KEY_FALLBACKS):
        problems.append(
            "SECRET_KEY_FALLBACKS must list only old keys of at least 50 characters (or be unset)."
        )
    if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
        problems.append(
            "DATABASE_URL must point at PostgreSQL, e.g. postgres://user:pass@db:5432/carehomes_les."
        )
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must list the host names the service answers to.")
    if not CELERY_BROKER_URL:
        problems.append(
            "CELERY_BROKER_URL (or REDIS_URL) must point at Redis, e.g. redis://redis:6379/0."
        )
    if DEBUG:
        problems.append("DEBUG must be off in production: unset DEBUG or set DEBUG=false.")
    problems += totp_key_problems(TOTP_ENCRYPTION_KEY, TOTP_ENCRYPTION_KEY_FALLBACKS)
    if problems:
        raise ImproperlyConfigured(
            "Production settings are incomplete:\n- " + "\n- ".join(problems)
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "crispy_forms",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
    "history",
    "documents",
    "practices",
    "carehomes",
    "claims",
    "reports",
    "notices",
    "outcomes",
    "audits",
    "imports",
    "nhsmail",
    "carehomes_les",
]

MIDDLEWARE = [
    # First: /healthz and /readyz are answered before sessions, sign-in, CSRF or the HTTPS redirect
    # (carehomes_les/health.py).
    "carehomes_les.health.HealthMiddleware",
    # Then: the request id (X-Request-ID) and the one log line per request (carehomes_les/logging.py).
    "carehomes_les.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # carehomes_les/security.py: CSP and headers, the session's absolute lifetime, two-factor sign-in.
    "carehomes_les.security.SecurityHeadersMiddleware",
    "carehomes_les.security.SessionLifetimeMiddleware",
    "carehomes_les.security.TwoFactorRequiredMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Serves the collected static files (vendored NHS.UK assets included); no CDN.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "carehomes_les.urls"
WSGI_APPLICATION = "carehomes_les.wsgi.application"

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
                "carehomes_les.context_processors.service",
            ],
        },
    },
]

if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if "postgresql" in DATABASES["default"]["ENGINE"]:
        # An unreachable database is an error within seconds (a request, /readyz), not a hang.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # Concurrent writers on the embedded default (two officers closing one run) must wait their
    # turn, not fail with "database is locked": every transaction takes SQLite's write lock when it
    # begins (IMMEDIATE), a waiting writer retries for up to 20 s, and WAL lets readers carry on
    # while one writes (ADR 0020).
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(VAR_DIR / "db.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out username before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Sign in with NHSmail (OpenID Connect): answers only its own callback, only when configured.
    "nhsmail.backend.NHSmailBackend",
]
# Lockout (ASVS 2.2.1): 5 failed sign-ins for a username, from any address, lock that username for
# 30 minutes; so do 5 from one address for one username. Not the address alone: NHS sites share a
# few addresses behind HSCN, and one mistyping colleague must not lock out a whole practice
# (docs/security.md). A successful sign-in clears the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 1 if PRODUCTION else 0)
AXES_VERBOSE = False
# Sign in with NHSmail (OpenID Connect, nhsmail/, ADR 0040): off unless all three are set. The
# issuer's endpoints come from its discovery document; PKCE, nonce and RS256 are fixed in code.
NHSMAIL_OIDC_ISSUER = env("NHSMAIL_OIDC_ISSUER", "")
NHSMAIL_OIDC_CLIENT_ID = env("NHSMAIL_OIDC_CLIENT_ID", "")
NHSMAIL_OIDC_CLIENT_SECRET = env("NHSMAIL_OIDC_CLIENT_SECRET", "")
NHSMAIL_OIDC_SCOPES = env("NHSMAIL_OIDC_SCOPES", "openid email profile")
_nhsmail = {
    "NHSMAIL_OIDC_ISSUER": NHSMAIL_OIDC_ISSUER,
    "NHSMAIL_OIDC_CLIENT_ID": NHSMAIL_OIDC_CLIENT_ID,
    "NHSMAIL_OIDC_CLIENT_SECRET": NHSMAIL_OIDC_CLIENT_SECRET,
}
if any(_nhsmail.values()) and not all(_nhsmail.values()):
    raise ImproperlyConfigured(
        "Sign in with NHSmail needs all of NHSMAIL_OIDC_ISSUER, NHSMAIL_OIDC_CLIENT_ID and "
        "NHSMAIL_OIDC_CLIENT_SECRET (or none of them, to leave it off); missing: "
        + ", ".join(name for name, value in _nhsmail.items() if not value)
        + "."
    )
if PRODUCTION and NHSMAIL_OIDC_ISSUER and not NHSMAIL_OIDC_ISSUER.startswith("https://"):
    raise ImproperlyConfigured("NHSMAIL_OIDC_ISSUER must be an https:// address in production.")
if NHSMAIL_OIDC_ISSUER and "openid" not in NHSMAIL_OIDC_SCOPES.split():
    raise ImproperlyConfigured("NHSMAIL_OIDC_SCOPES must include openid.")
# Two-factor codes (django-otp): the name authenticator apps show.
OTP_TOTP_ISSUER = "Care Home LES"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# Every date rule of the LES (due dates, days late) is about the calendar in England.
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# The user guide's screenshots (docs/guide/images) are served as /static/guide/… (carehomes_les/help.py).
STATICFILES_DIRS = [BASE_DIR / "static", ("guide", BASE_DIR / "docs" / "guide" / "images")]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Static files are for this service's own pages: no CORS header (WhiteNoise would otherwise send
# Access-Control-Allow-Origin: * on every one). docs/security.md, ADR 0042.
WHITENOISE_ALLOW_ALL_ORIGINS = False
# Uploaded evidence and generated PDFs live outside any public path; views serve them.
PRIVATE_STORAGE_ROOT = Path(env("PRIVATE_STORAGE_ROOT", str(VAR_DIR / "private")))

# Imports and uploads: the largest file an officer or practice may send.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = int(env("IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
# The national registry files (ODS epraccur and ePCN, CQC's active locations) run to tens of MB.
NATIONAL_FILE_MAX_BYTES = env_int("NATIONAL_FILE_MAX_BYTES", 60 * 1024 * 1024)
# Meeting evidence: the largest signed attendance sheet (a PDF or a photo) a practice may upload.
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 5 * 1024 * 1024)

# Email: SMTP from EMAIL_HOST in production; files in var/outbox on the embedded default.
EMAIL_HOST = env("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(env("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
elif PRODUCTION:
    raise ImproperlyConfigured(
        "Production settings are incomplete:\n- EMAIL_HOST must name the SMTP server."
    )
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(VAR_DIR / "outbox"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "care-home-les@example.nhs.uk")

# Celery: Redis when a broker is configured; otherwise tasks run in-process (embedded default).
# (The in-memory transport is named with a host only so that kombu does not warn about its absence.)
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL.startswith("memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# PDFs go to their own queue, on workers that recycle their processes (WeasyPrint's memory grows
# with long documents): see `make worker-pdf` and docker-compose.yml.
CELERY_TASK_ROUTES = {
    "claims.remittance_build": {"queue": "pdf"},
    "audits.pack_build": {"queue": "pdf"},
}
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a long PDF never holds other work hostage
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 50)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 400_000)  # KiB
# A message taken by a worker that then vanished is handed out again after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}

# Reports kept until the data changes (ADR 0048, reports/kept.py): on the broker's Redis when there is
# one, so every web and worker process sees the same generation token; in this process's memory on
# the embedded default (one process serves every request and runs every task). Django's default
# cache is not used.
KEPT_TIMEOUT = env_int("KEPT_TIMEOUT", 1800)  # seconds; bounds a figure's life if a token is missed
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "kept": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CELERY_BROKER_URL,
            "KEY_PREFIX": "kept",
            "TIMEOUT": KEPT_TIMEOUT,
        }
        if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kept",
            "TIMEOUT": KEPT_TIMEOUT,
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    ),
}

# The address emails link to (the service's public URL).
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Reminders (SPEC §3): sent this many days before the due date, and never later than 7 days before.
REMINDER_LEAD_DAYS = env_int("REMINDER_LEAD_DAYS", 10)
if REMINDER_LEAD_DAYS < 7:
    raise ImproperlyConfigured("REMINDER_LEAD_DAYS must be 7 or more (SPEC §3).")
# An email that fails is retried with backoff, then marked failed for officers to see.
NOTICE_MAX_ATTEMPTS = env_int("NOTICE_MAX_ATTEMPTS", 5)

CRISPY_ALLOWED_TEMPLATE_PACKS = ["nhsuk"]
CRISPY_TEMPLATE_PACK = "nhsuk"
DJANGO_TABLES2_TEMPLATE = "tables/nhsuk_table.html"
DJANGO_TABLES2_PAGE_RANGE = 5

SERVICE_NAME = "Care Home LES"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Inactivity: a session ends after 30 minutes without a request (the expiry is renewed on each one).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
# Absolute: however active, a session ends 8 hours after sign-in (carehomes_les/security.py).
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 8 * 60 * 60)
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    CSRF_COOKIE_HTTPONLY = True

# Logs (carehomes_les/logging.py, ADR 0019): one JSON object a line on stdout in production, a
# readable line on the embedded default; a line per request and per task, with the request id.
LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'json' or 'text', not {LOG_FORMAT!r}.")
LOG_LEVEL = env("LOG_LEVEL", "WARNING").upper()
if LOG_LEVEL not in logging.getLevelNamesMapping():
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {LOG_LEVEL!r}."
    )
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
logging.captureWarnings(True)  # Python's warnings become log records (JSON), not bare stderr text

# The optional error reporter (Sentry or compatible), off unless SENTRY_DSN is set.
SENTRY_DSN = env("SENTRY_DSN", "")
if SENTRY_DSN:
    try:
        _sample_rate = float(env("SENTRY_TRACES_SAMPLE_RATE", "0"))
    except ValueError:
        _sample_rate = -1.0
    if not 0 <= _sample_rate <= 1:
        raise ImproperlyConfigured("SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1.")
    init_error_reporting(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", APP_ENV),
        traces_sample_rate=_sample_rate,
    )
