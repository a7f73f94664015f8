"""Settings for the Lifetime Quality Archive, read from the environment (see README)."""

from __future__ import annotations

import base64
import datetime
import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_secret, env_str
from storage.embedded import run_state_read

BASE_DIR = Path(__file__).resolve().parent.parent
# Local state for the embedded default: SQLite file, S3 data, generated keys.
VAR_DIR = Path(env_str("LQA_VAR_DIR", str(BASE_DIR / "var")))
# What a running `make run` chose (storage/embedded.py run_state_write): the defaults of the
# S3 endpoint and the public address, so its printed commands work from another shell.
EMBEDDED = run_state_read(VAR_DIR)
# …and the demo PKI's signing settings (scripts/run.py), so a command run from another shell
# signs and checks under the same certificate and time-stamping authority.
for _name, _value in (EMBEDDED.get("signing_env") or {}).items():
    if _name in {
        "ARCHIVE_SIGNING_CERT_FILE",
        "ARCHIVE_SIGNING_KEY_FILE",
        "SIGNING_TRUST_ROOTS",
        "TSA_URL",
        "TSA_TRUST_ROOTS",
    }:
        os.environ.setdefault(_name, _value)


def _new_ed25519_pem() -> str:
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def _browser_origin(endpoint: str, secure: bool) -> str:
    """``https://files.example.gov.cn`` from an S3 endpoint as the settings name it."""
    parsed = urlsplit(endpoint if "://" in endpoint else f"//{endpoint}")
    return f"{parsed.scheme or ('https' if secure else 'http')}://{parsed.netloc}"


DEBUG = env_bool("DEBUG", False)
SECRET_KEY, SECRET_KEY_IS_LOCAL = env_secret(
    "SECRET_KEY", VAR_DIR / "keys" / "secret_key", lambda: secrets.token_urlsafe(50)
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Behind TLS, plain HTTP is redirected to HTTPS and browsers are told (HSTS) to use nothing
# else for a year, this host's subdomains included. ``preload`` only consents to the
# browsers' preload lists; nothing is listed unless the domain's owner submits it.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", BEHIND_TLS_PROXY)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if BEHIND_TLS_PROXY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", BEHIND_TLS_PROXY)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", BEHIND_TLS_PROXY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: runserver (make run) serves static files through WhiteNoise too.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "jobs",
    "storage",
    "ledger",
    "projects",
    "materials",
    "inspections",
    "responsibility",
    "capture",  # the phone's offline capture queue: service worker, manifest, capture API
    "work",  # the user's desk: my work and project overviews, above every app but demo
    "demo",  # composes the demo above every app (make run's load_demo)
]

MIDDLEWARE = [
    # First: every later middleware's log lines carry the request's id.
    "config.requestid.RequestIdMiddleware",
    # The probes (and /metrics) are answered before sessions, ALLOWED_HOSTS and the HTTPS
    # redirect: see config/health.py.
    "config.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files are served by the app process itself (no CDN on site networks), right after
    # the security headers and before sessions: a stylesheet needs no session.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ledger.accounts.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a sign-in refused by the lockout into the answer
    # of projects.signin.lockout_response.
    "axes.middleware.AxesMiddleware",
    # Innermost, so that it sees a view's lost database or object store first: a 503 page.
    "config.unavailable.ServiceUnavailableMiddleware",
]

# django-axes first: it refuses a locked-out account or address before the password is
# checked, on every path that calls authenticate() (login page, API token, re-entry).
AUTHENTICATION_BACKENDS = [
    "projects.signin.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "sign-in"

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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.layout",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL=postgres://… for tests and production.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'archive.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: the job worker of make run reads and writes beside the web process without either
    # blocking the other's reads.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env_bool("FAST_PASSWORD_HASHER", False):  # the test session only
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")  # shown to people; stored in UTC
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The base layout's stylesheet and script (each app keeps its own under <app>/static/).
STATICFILES_DIRS = [BASE_DIR / "static"]
# Only a release with collected static files has a STATIC_ROOT (see STORAGES below).
STATIC_ROOT = (
    Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
    if env_bool("STATIC_MANIFEST", False)
    else None
)
STORAGES = {
    # Evidence files never go through Django's file storage: see storage/gateway.py.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    "staticfiles": {
        # Production sets STATIC_MANIFEST=1 and runs collectstatic once per release: WhiteNoise
        # then serves compressed copies under content-hashed names, cached for a year. make run
        # and the tests serve the source files through the finders instead.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not env_bool("STATIC_MANIFEST", False)

# Uploads larger than this are streamed to a temporary file, never held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Django's two handlers, hashing each file as it arrives (storage/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "storage.uploads.RequestSizeLimitHandler",
    "storage.uploads.HashingMemoryFileUploadHandler",
    "storage.uploads.HashingTemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Object storage (any S3 API; SeaweedFS embedded, MinIO in production) ---
S3_ENDPOINT = env_str("S3_ENDPOINT", EMBEDDED.get("s3_endpoint") or "127.0.0.1:8333")
S3_ACCESS_KEY = env_str("S3_ACCESS_KEY", "lqa-local")
S3_SECRET_KEY = env_str("S3_SECRET_KEY", "lqa-local-secret")
S3_SECURE = env_bool("S3_SECURE", False)
S3_REGION = env_str("S3_REGION", "us-east-1")
# The S3 host browsers reach (behind a proxy); download links are signed for it.
S3_PUBLIC_ENDPOINT = env_str("S3_PUBLIC_ENDPOINT", "")
S3_ARCHIVE_BUCKET = env_str("S3_ARCHIVE_BUCKET", "lqa-archive")
S3_DERIVED_BUCKET = env_str("S3_DERIVED_BUCKET", "lqa-derived")
S3_TIMEOUT_SECONDS = env_int("S3_TIMEOUT_SECONDS", 10)
S3_RETRIES = env_int("S3_RETRIES", 2)
# Lifetime of every download link (storage/downloads.py): long enough to follow the redirect
# and start the transfer, short enough that a leaked link is soon worthless.
S3_PRESIGNED_SECONDS = env_int("S3_PRESIGNED_SECONDS", 120)
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
# A whole multipart request (its files and fields together), refused from its Content-Length
# before the body is read; the extra MiB is room for the form's other fields.
UPLOAD_REQUEST_MAX_BYTES = env_int("UPLOAD_REQUEST_MAX_BYTES", UPLOAD_MAX_BYTES + 1024 * 1024)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 64_000_000)
# Retention for archival objects with no longer horizon of their own.
ARCHIVE_DEFAULT_RETENTION_YEARS = env_int("ARCHIVE_DEFAULT_RETENTION_YEARS", 50)

# --- Content-Security-Policy (django-csp), on every response ---
# Scripts and styles only from the archive's own static files: no inline code, no CDN.
# Images also from the object store, where a photo's thumbnail link redirects.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", _browser_origin(S3_PUBLIC_ENDPOINT or S3_ENDPOINT, S3_SECURE)],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# TrueType fonts embedded in every generated PDF (see storage/fonts.py): the first font, then
# the fallbacks that cover every Han character of GB 18030-2022 (Extensions A-F) and Latin.
# PDF_FALLBACK_FONTS: comma-separated paths, each a glyf TrueType font.
CJK_FONT_PATH = env_str("CJK_FONT_PATH", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
_FALLBACK_FONTS = {
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf": "fonts-hanazono",
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf": "fonts-hanazono",
    "/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf": "fonts-babelstone-han",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf": "fonts-dejavu-core",
}
PDF_FALLBACK_FONTS = [
    (path, _FALLBACK_FONTS.get(path, "a font with the glyphs"))
    for path in env_list("PDF_FALLBACK_FONTS", list(_FALLBACK_FONTS))
]

# --- Keys ---
# Personal data (ID numbers, phones) is encrypted with Fernet; several comma-separated
# keys allow rotation (the first encrypts, all decrypt).
PII_ENCRYPTION_KEYS, PII_KEYS_ARE_LOCAL = env_secret(
    "PII_ENCRYPTION_KEYS", VAR_DIR / "keys" / "pii_keys", lambda: Fernet.generate_key().decode()
)
# Keyed hash of an ID number, so a person can be found by it without decrypting everyone.
PII_INDEX_KEY, PII_INDEX_KEY_IS_LOCAL = env_secret(
    "PII_INDEX_KEY",
    VAR_DIR / "keys" / "pii_index_key",
    lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
)
# Ed25519 private key (PKCS#8 PEM) that signs ledger checkpoints.
LEDGER_SIGNING_KEY, LEDGER_KEY_IS_LOCAL = env_secret(
    "LEDGER_SIGNING_KEY", VAR_DIR / "keys" / "ledger_ed25519.pem", _new_ed25519_pem
)
LEDGER_LOG_ID = env_str("LEDGER_LOG_ID", "lifetime-quality-archive")
# Public keys (raw Ed25519, hex) of earlier signing keys, after a rotation: their checkpoints
# stay trusted. ``HEX@2027-01-01T00:00:00Z`` also says when the key was retired; a checkpoint
# it signed later is reported, as a leaked old key would sign.
LEDGER_RETIRED_PUBLIC_KEYS = env_list("LEDGER_RETIRED_PUBLIC_KEYS", [])
# Who may list which ledger entries is the projects' rule (members and regulators see their
# projects' entries), and the ledger sits below the projects app: this names the function.
LEDGER_ENTRIES_VISIBLE_TO = "projects.access.ledger_entries_visible_to"
# Witnesses that co-sign checkpoints (C2SP tlog-witness), each run by a body independent of
# the operator: ``NAME=HEX_PUBLIC_KEY@URL`` items, comma-separated, URL the witness's prefix
# (``…/add-checkpoint`` is appended). ``ledger_checkpoint`` collects their cosignatures.
LEDGER_WITNESSES = env_list("LEDGER_WITNESSES", [])
LEDGER_WITNESS_TIMEOUT = env_int("LEDGER_WITNESS_TIMEOUT", 10)
# Inclusion proofs kept in each process's memory per checkpoint (``ledger.proofs``): about
# 1 KB each; 20,000 hold the proofs of some 60 defect traces.
LEDGER_PROOF_CACHE_SIZE = env_int("LEDGER_PROOF_CACHE_SIZE", 20_000)
# How a write gets its ledger index. "inline": in the writer's transaction, under the ledger
# head's row lock, so writers queue for one another until each commits (SQLite has one writer
# anyway). "deferred": the writer inserts its entry without an index, taking no shared lock,
# and the sequencer (ledger.sequencer, a loop of the job worker) indexes committed entries in
# batches within about a second; proofs of an entry are available once it is sequenced.
# Deferred on PostgreSQL, inline on SQLite. The tests run inline (tests/servers.py).
LEDGER_SEQUENCING = env_str(
    "LEDGER_SEQUENCING",
    "inline" if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else "deferred",
)
if LEDGER_SEQUENCING not in ("inline", "deferred"):
    raise ImproperlyConfigured(f"LEDGER_SEQUENCING={LEDGER_SEQUENCING!r}: use inline or deferred.")
# The sequencer's pause between batches when it finds nothing more to do (milliseconds), the
# most entries it indexes in one transaction, and how old an unsequenced entry may get before
# verify_archive reports the sequencer stalled (seconds).
LEDGER_SEQUENCER_INTERVAL_MS = env_int("LEDGER_SEQUENCER_INTERVAL_MS", 100)
LEDGER_SEQUENCER_BATCH = env_int("LEDGER_SEQUENCER_BATCH", 5000)
LEDGER_SEQUENCER_STALL_SECONDS = env_int("LEDGER_SEQUENCER_STALL_SECONDS", 300)

# Background jobs (jobs/engine.py): Django's tasks framework on the archive's own database, run
# by `manage.py run_jobs` (make run starts one; production runs as many as it likes).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# The schedules of jobs/schedules.py (checkpoints, fixity, reconciliation); off for a worker
# that should only run what is queued.
JOB_SCHEDULES_ENABLED = env_bool("JOB_SCHEDULES_ENABLED", True)
# Functions each worker calls again and again in a thread of its own, (stop: Event) -> None.
# The ledger's sequencer (LEDGER_SEQUENCING = deferred) is one: entries written by any web
# process are indexed by the workers' sequencers, one batch at a time under the head lock.
JOB_LOOPS = env_list("JOB_LOOPS", ["ledger.sequencer.run"])
# How often a worker says it is alive and enqueues due slots; after how long without a word
# its running jobs are given to another worker (every job is idempotent).
JOB_HOUSEKEEPING_SECONDS = env_int("JOB_HOUSEKEEPING_SECONDS", 5)
JOB_WORKER_STALE_SECONDS = env_int("JOB_WORKER_STALE_SECONDS", 60)
# An archive package exported by a job (the console's export button, the API's export jobs)
# is kept this long in the derived bucket, then removed by a scheduled job.
EXPORT_LIFETIME_HOURS = env_int("EXPORT_LIFETIME_HOURS", 72)
# The nightly fixity job checks what no run checked for this many days, this many objects
# per job (a job that reaches it queues the next batch: a worker stopping waits one batch).
FIXITY_JOB_OLDER_THAN_DAYS = env_int("FIXITY_JOB_OLDER_THAN_DAYS", 30)
FIXITY_JOB_BATCH = env_int("FIXITY_JOB_BATCH", 2000)

# --- Inspections (acceptance records and evidence photos) ---
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 30 * 1024 * 1024)
# Photos taken this many days from the record's date, or this far from the site, are flagged.
PHOTO_CAPTURE_TOLERANCE_DAYS = env_int("PHOTO_CAPTURE_TOLERANCE_DAYS", 7)
PHOTO_GPS_TOLERANCE_METERS = env_int("PHOTO_GPS_TOLERANCE_METERS", 1000)
PHOTO_PREVIEW_PIXELS = env_int("PHOTO_PREVIEW_PIXELS", 1000)
PHOTO_THUMBNAIL_PIXELS = env_int("PHOTO_THUMBNAIL_PIXELS", 320)

# --- Offline capture (capture/: the installable app and its queue) ---
# A photo received this many hours after the phone says it took it is flagged.
CAPTURE_LONG_DELAY_HOURS = env_int("CAPTURE_LONG_DELAY_HOURS", 48)
# How long the answer to an Idempotency-Key is kept: a phone retrying later than this makes
# a new record (its queue gives up on an item long before).
CAPTURE_IDEMPOTENCY_HOURS = env_int("CAPTURE_IDEMPOTENCY_HOURS", 24 * 30)
# The release the service worker caches; empty: the static files themselves decide (the
# manifest's hash in a release, the files' sizes and times otherwise).
CAPTURE_RELEASE = env_str("CAPTURE_RELEASE", "")

# --- Responsibility (letters, pledges, lead changes, plaques) ---
# PEM certificate and private key with which the archive signs letters and pledges (PAdES).
# Empty: a self-signed pair is generated on first use into VAR_DIR/keys (local use only).
ARCHIVE_SIGNING_CERT = env_str("ARCHIVE_SIGNING_CERT", "")
ARCHIVE_SIGNING_KEY = env_str("ARCHIVE_SIGNING_KEY", "")
# PAdES B-LTA (see README "Trust model"): the PEM root certificate(s) the archive's signing
# certificate chains to (comma-separated paths; empty: the certificate itself, self-signed),
# the RFC 3161 time-stamping authority and its root(s). Without TSA_URL documents are signed
# PAdES B-B only, and `check --deploy` says so (responsibility.W002).
SIGNING_TRUST_ROOTS = env_list("SIGNING_TRUST_ROOTS", [])
TSA_URL = env_str("TSA_URL", "")
TSA_TRUST_ROOTS = env_list("TSA_TRUST_ROOTS", [])
# Seconds to wait for the TSA and the OCSP/CRL servers before refusing a signature.
TSA_TIMEOUT_SECONDS = env_int("TSA_TIMEOUT_SECONDS", 10)
# refresh_document_timestamps re-timestamps a document whose newest timestamp's TSA
# certificate expires within this many days.
TIMESTAMP_REFRESH_MARGIN_DAYS = env_int("TIMESTAMP_REFRESH_MARGIN_DAYS", 365)
# How recently a signer must have re-entered their password.
SIGNING_REAUTH_SECONDS = env_int("SIGNING_REAUTH_SECONDS", 300)
SIGNATURE_IMAGE_MAX_BYTES = env_int("SIGNATURE_IMAGE_MAX_BYTES", 512 * 1024)
# Working days for a new lead's letter and pledge; JSON {"330100": 3, ...} overrides by region.
LEAD_CHANGE_DEADLINE_WORKING_DAYS = env_int("LEAD_CHANGE_DEADLINE_WORKING_DAYS", 5)
LEAD_CHANGE_DEADLINE_OVERRIDES = json.loads(env_str("LEAD_CHANGE_DEADLINE_OVERRIDES", "{}"))
# Permanent plaques: print size, and when they must be installed. PLAQUE_INSTALL_RULES maps a
# region code to "before" (installed by completion acceptance) or N days after it.
PLAQUE_WIDTH_MM = env_int("PLAQUE_WIDTH_MM", 750)
PLAQUE_HEIGHT_MM = env_int("PLAQUE_HEIGHT_MM", 500)
PLAQUE_INSTALL_DAYS_AFTER_ACCEPTANCE = env_int("PLAQUE_INSTALL_DAYS_AFTER_ACCEPTANCE", 30)
PLAQUE_INSTALL_RULES = json.loads(env_str("PLAQUE_INSTALL_RULES", "{}"))
# Where the public reaches the archive: the plaque's QR code points here.
PUBLIC_BASE_URL = env_str(
    "PUBLIC_BASE_URL", EMBEDDED.get("public_base_url", "http://127.0.0.1:8000")
)

# How many reverse proxies we run in front of the app: evidence records (signatures, reveals)
# then take the client's address from X-Forwarded-For instead of the proxy's REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# --- Sign-in ---
# After this many wrong passwords for one account, or from one address, within the cool-off,
# sign-in (login page, API token, password re-entry for signing) is refused for that account
# and that address until the cool-off has passed since the last wrong password.
SIGNIN_FAILURE_LIMIT = env_int("SIGNIN_FAILURE_LIMIT", 5)
SIGNIN_COOLOFF_MINUTES = env_int("SIGNIN_COOLOFF_MINUTES", 15)
if SIGNIN_FAILURE_LIMIT < 1 or SIGNIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured("SIGNIN_FAILURE_LIMIT and SIGNIN_COOLOFF_MINUTES must be 1 or more.")
AXES_FAILURE_LIMIT = SIGNIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=SIGNIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = "projects.signin.lockout_parameters"  # by account, and by address
AXES_CLIENT_IP_CALLABLE = "projects.http.client_address"  # honours TRUSTED_PROXY_COUNT
AXES_LOCKOUT_CALLABLE = "projects.signin.lockout_response"
# Trying again while locked out does not push the end of the lockout further: the wait the
# message names stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True  # a few typos before a good login are forgotten
AXES_VERBOSE = False
# API tokens (django-rest-knox): a new one per sign-in, stored only as a hash, valid this long.
API_TOKEN_HOURS = env_int("API_TOKEN_HOURS", 7 * 24)
if API_TOKEN_HOURS < 1:
    raise ImproperlyConfigured("API_TOKEN_HOURS must be 1 or more.")
REST_KNOX = {"TOKEN_TTL": datetime.timedelta(hours=API_TOKEN_HOURS), "AUTH_HEADER_PREFIX": "Token"}

REST_FRAMEWORK = {
    "NUM_PROXIES": TRUSTED_PROXY_COUNT or None,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "projects.signin.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lifetime Quality Archive API",
    "DESCRIPTION": "工程质量终身责任档案: projects, parties, leads, evidence files, the ledger.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ProjectStageEnum": "projects.models.Project.Stage",
        "PartyRoleEnum": "projects.models.Role",
        "MembershipRoleEnum": "projects.models.Membership.Role",
        "LocationKindEnum": "projects.models.Location.Kind",
        "DocumentKindEnum": "projects.models.ProjectDocument.Kind",
    },
}

# --- Operations: logs, health, metrics ---
# json: one JSON object per line (time, level, logger, message, request_id, exception), what
# a log shipper reads; text: for a person at a terminal (make run sets it).
LOG_FORMAT = env_str("LOG_FORMAT", "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or text.")
# /readyz fails, and the first request and the job worker's start log an error, when this
# server's clock is further than this from the database's: the ledger's times come from it.
CLOCK_SKEW_MAX_SECONDS = env_int("CLOCK_SKEW_MAX_SECONDS", 2)
# Prometheus metrics at /metrics (config/metrics.py), for a scraper holding METRICS_TOKEN.
METRICS_ENABLED = env_bool("METRICS_ENABLED", False)
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
if METRICS_ENABLED:
    if len(METRICS_TOKEN) < 16:
        raise ImproperlyConfigured(
            "METRICS_ENABLED=1 needs METRICS_TOKEN (or METRICS_TOKEN_FILE) of 16 characters or"
            " more: /metrics answers only a scraper that sends it."
        )
    INSTALLED_APPS.append("django_prometheus")
    # Around everything else, as django-prometheus asks, so the latency is the whole request's.
    MIDDLEWARE.insert(1, "django_prometheus.middleware.PrometheusBeforeMiddleware")
    MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "minio": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        # pyHanko logs every OCSP/CRL fetch and validation step at INFO.
        "pyhanko": {"level": "WARNING"},
        "pyhanko_certvalidator": {"level": "WARNING"},
    },
}
