"""Settings for Backend Academy, read from the environment in this one place.

Two modes share this file:

* **embedded** (no ``DATABASE_URL`` / ``REDIS_URL``): SQLite, the local-memory
  cache, the in-memory channel layer and Celery tasks run inline;
* **services** (``DATABASE_URL`` and ``REDIS_URL`` set): PostgreSQL through
  psycopg 3's pool, django-redis, channels-redis and a Celery worker on Redis.

``DJANGO_ENV=production`` turns on the deployment hardening checked by
``manage.py check --deploy``. README.md lists every variable.
"""

from __future__ import annotations

import sys
from pathlib import Path

import dj_database_url

from config.env import (
    ConfigurationError,
    env_bool,
    env_int,
    env_key_prefix,
    env_list,
    env_redis_url,
    env_redis_urls,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env_str("DJANGO_ENV", "development").strip().lower()
if DJANGO_ENV not in {"development", "production", "test"}:
    raise ConfigurationError(
        f"DJANGO_ENV must be development, production or test, got {DJANGO_ENV!r}"
    )
PRODUCTION = DJANGO_ENV == "production"
TESTING = DJANGO_ENV == "test" or "pytest" in sys.modules

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION and not TESTING)
if PRODUCTION and DEBUG:
    raise ConfigurationError("DJANGO_DEBUG must be off when DJANGO_ENV=production")

_DEV_SECRET = "dev-only-insecure-key-0f3c9b1e6d2a4f8e9c7b5a3d1e0f2a4b6c8d0e2f"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET):
    raise ConfigurationError(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in "
        "production (python -c 'import secrets; print(secrets.token_urlsafe(64))')"
    )

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ConfigurationError("DJANGO_ALLOWED_HOSTS must list the site's host names in production")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

SITE_NAME = "Backend Academy"
# The site's public address, for links in e-mails sent outside a request (reminders).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# --------------------------------------------------------------------------- apps
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "graphene_django",
    "apps.core",
    "apps.accounts",
    "apps.courses",
    "apps.quizzes",
    "apps.matrix",
    "apps.live",
    "apps.exercises",
    "apps.classes",
    "apps.labs",
    "apps.checks",
]

MIDDLEWARE = [
    "apps.core.metrics.MetricsMiddleware",  # /metrics; request time, status, SQL count
    "apps.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.SecurityHeadersMiddleware",
    "apps.core.static.AsyncWhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",  # ETag / 304 on every GET
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.middleware.ApiMetricsMiddleware",  # Server-Timing, SQL count (staff/dev)
    "apps.core.middleware.ApiCacheHeadersMiddleware",  # Vary + private on API responses
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
# Threads per web process that run Django's request handler (config/asgi.py).
HTTP_THREADS = env_int("HTTP_THREADS", 16)
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
                "apps.core.context_processors.site",
            ],
        },
    },
]

# --------------------------------------------------------------------------- data
DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_redis_url("REDIS_URL")
SERVICES_MODE = bool(DATABASE_URL and REDIS_URL)

if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL)
    if _db["ENGINE"] != "django.db.backends.postgresql":
        raise ConfigurationError("DATABASE_URL must be a postgres:// URL")
    _db["CONN_MAX_AGE"] = 0  # the pool below owns connections; persistent ones leak under ASGI
    _db["OPTIONS"] = {
        "pool": {
            "min_size": env_int("DB_POOL_MIN_SIZE", 2),
            "max_size": env_int("DB_POOL_MAX_SIZE", 20),
            "timeout": env_int("DB_POOL_TIMEOUT", 10),
        },
    }
    _db["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME") or None}
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not :memory:, so browser tests' server threads share the test data.
            # DATABASE_TEST_NAME lets two runs (say, two work trees' suites) not share it.
            "TEST": {
                "NAME": env_str("DATABASE_TEST_NAME") or str(BASE_DIR / "var" / "test-db.sqlite3")
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis. REDIS_URL's database (redis://host:6379/N; no number is 0) holds every role:
# the Celery broker and results, the channel layer and the cache, each under its own
# key prefix, and every key starts with "<REDIS_KEY_PREFIX>:". Two deployments on one
# Redis share nothing when their database numbers (or their prefixes) differ.
# A role moves with its own URL (REDIS_CACHE_URL, CHANNEL_LAYER_URL, CELERY_BROKER_URL,
# CELERY_RESULT_BACKEND), used as given. The broker and the channel layer must never
# lose keys to eviction (``maxmemory-policy noeviction``); the cache may, so give it an
# instance of its own (allkeys-lru) with REDIS_CACHE_URL.
# The test suite adds "-test" to the prefix ("ba-test:"): a run pointed at a site's
# database still never reads or deletes the site's keys (.ci/run also gives it its own).
REDIS_KEY_PREFIX = env_key_prefix("REDIS_KEY_PREFIX", "ba") + ("-test" if TESTING else "")
REDIS_CACHE_URL = env_redis_url("REDIS_CACHE_URL", REDIS_URL)
# The channel layer may be spread over several Redis instances (comma-separated URLs):
# channels-redis shards channels and groups across its ``hosts`` by a hash of their names.
CHANNEL_LAYER_URLS = env_redis_urls("CHANNEL_LAYER_URL", REDIS_URL)

if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": f"{REDIS_KEY_PREFIX}:cache",  # <prefix>:cache:<version>:<key>
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                "CONNECTION_POOL_KWARGS": {"max_connections": 100},
                # The cache is an optimisation: while Redis is unreachable a read is a
                # miss and a write is skipped (logged), so pages fall back to the
                # database instead of failing. Rate limits keep counting in each
                # process meanwhile (apps/core/ratelimit.py).
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "backend-academy",
        }
    }

if CHANNEL_LAYER_URLS:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "apps.core.layers.RedisChannelLayer",
            "CONFIG": {
                # Dict hosts: redis-py's socket timeout must exceed the layer's 5 s
                # blocking read, and the pool must outgrow the 100-connection default.
                # Every web process must list the same hosts in the same order (the
                # shard of a name is its hash modulo their number).
                "hosts": [
                    {
                        "address": url,
                        "socket_timeout": 15,
                        "socket_connect_timeout": 5,
                        "max_connections": 1000,
                    }
                    for url in CHANNEL_LAYER_URLS
                ],
                "capacity": env_int("CHANNELS_CAPACITY", 1500),
                "expiry": 60,
                "group_expiry": 86400,
                "prefix": f"{REDIS_KEY_PREFIX}:channels:",
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# /readyz answers from a per-process result this many seconds old at most, so a
# busy probe cannot turn into load on the database, Redis and the broker.
READINESS_CACHE_SECONDS = 0.0 if TESTING else float(env_int("READINESS_CACHE_MS", 1000)) / 1000

# Live sessions: players per session for instructors and authors, and for anyone else.
LIVE_MAX_PLAYERS = env_int("LIVE_MAX_PLAYERS", 1500)
LIVE_SMALL_SESSION_PLAYERS = env_int("LIVE_SMALL_SESSION_PLAYERS", 10)
# Every live web process closes overdue questions this often (seconds; 0: never), so a
# deadline holds when the process with its timer dies and its Celery task is lost.
LIVE_SWEEP_SECONDS = env_int("LIVE_SWEEP_MS", 1000) / 1000
# Threads per web process for players' answers (0: what the database pool leaves beside
# asyncio's default executor, 2-16; 4 without a pool). apps/live/consumers.py
LIVE_ANSWER_THREADS = env_int("LIVE_ANSWER_THREADS", 0)
# Answers to one session are written in batches (a group commit), at most this many
# batches at a time per web process; answers arriving meanwhile join the next batch.
LIVE_ANSWER_BATCHES = env_int("LIVE_ANSWER_BATCHES", 2)
# Freeze the startup heap (gc.freeze) at a process's first live websocket, so full
# collections mid-game scan less (bench/live_bench.py measured 160-200 ms -> 60-84 ms).
LIVE_GC_FREEZE = env_bool("LIVE_GC_FREEZE", True)

# Code exercises (apps/exercises): runs per learner per window, and how long a run may
# stay queued or running before it is given up as lost. EXERCISES_ALLOW_UNSANDBOXED runs
# learners' code WITHOUT the sandbox where bubblewrap cannot run: a development aid for
# trusted code only, refused in production and announced by a warning at start.
EXERCISES_RUN_LIMIT = env_int("EXERCISES_RUN_LIMIT", 20)
EXERCISES_RUN_WINDOW = env_int("EXERCISES_RUN_WINDOW", 300)
EXERCISES_STALE_SECONDS = env_int("EXERCISES_STALE_SECONDS", 600)
EXERCISES_EMBEDDED_WORKERS = env_int("EXERCISES_EMBEDDED_WORKERS", 2)
EXERCISES_ALLOW_UNSANDBOXED = env_bool("EXERCISES_ALLOW_UNSANDBOXED", False)
if PRODUCTION and EXERCISES_ALLOW_UNSANDBOXED:
    raise ConfigurationError("EXERCISES_ALLOW_UNSANDBOXED must be off when DJANGO_ENV=production")

# Code labs: learners' places in the sandbox queue are sent at most this often per process
# (milliseconds; every run that starts moves the queue). 0 sends each move at once.
LABS_QUEUE_BROADCAST_MS = env_int("LABS_QUEUE_BROADCAST_MS", 500)

# bench/api_bench.py only: mount the framework-free "floor" views (apps/core/floor.py)
# under /bench/floor/. Off everywhere else.
BENCH_FLOOR_VIEWS = env_bool("BENCH_FLOOR_VIEWS", False)

# --------------------------------------------------------------------------- observability
# Prometheus metrics (apps/core/metrics.py, docs/operations.md "Metrics"): counted in every
# process unless METRICS_ENABLED is off; served at /metrics only to
# "Authorization: Bearer <METRICS_TOKEN>" (404 while no token is set).
METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
METRICS_TOKEN = env_str("METRICS_TOKEN").strip()
if METRICS_TOKEN and len(METRICS_TOKEN) < 16:
    raise ConfigurationError("METRICS_TOKEN must be at least 16 characters when set")
METRICS_PATH = "/metrics"
# Multiprocess mode: the directory where each process writes its values. gunicorn sets one
# up (config/gunicorn.py) and `make worker` too; prometheus-client reads it when it loads.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR")
if PROMETHEUS_MULTIPROC_DIR and not Path(PROMETHEUS_MULTIPROC_DIR).is_dir():
    raise ConfigurationError(
        f"PROMETHEUS_MULTIPROC_DIR must be an existing directory, got {PROMETHEUS_MULTIPROC_DIR!r}"
    )
# The Celery worker's own /metrics (its pool processes' task metrics), on this port of
# the worker's main process; 0: none.
CELERY_METRICS_PORT = env_int("CELERY_METRICS_PORT", 0)
# OpenTelemetry traces (apps/core/tracing.py): off unless OTEL_ENABLED. The exporter reads
# the standard OTEL_EXPORTER_OTLP_* variables itself (endpoint, headers, timeout).
OTEL_ENABLED = env_bool("OTEL_ENABLED", False)
OTEL_SERVICE_NAME = env_str("OTEL_SERVICE_NAME", "backend-academy")
OTEL_TRACES_EXPORTER = env_str("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
if OTEL_TRACES_EXPORTER not in {"otlp", "console", "none"}:
    raise ConfigurationError(
        f"OTEL_TRACES_EXPORTER must be otlp, console or none, got {OTEL_TRACES_EXPORTER!r}"
    )

# --------------------------------------------------------------------------- Celery
CELERY_BROKER_URL = env_redis_url("CELERY_BROKER_URL", other_schemes=True) or (
    REDIS_URL or "memory://"
)
CELERY_RESULT_BACKEND = env_redis_url("CELERY_RESULT_BACKEND", other_schemes=True) or (
    REDIS_URL or "cache+memory://"
)
# On Redis every broker and result key (queues, bindings, unacked messages, results,
# and the pub/sub channels of broadcasts) starts with "<REDIS_KEY_PREFIX>:celery:".
# The visibility timeout is longer than any task's hard time limit (config/celery.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "global_keyprefix": f"{REDIS_KEY_PREFIX}:celery:",
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = CELERY_BROKER_TRANSPORT_OPTIONS
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
# Code runs have their own queue, so a burst of them never delays the other tasks.
CELERY_TASK_ROUTES = {"exercises.*": {"queue": "exercises"}}
# Celery beat (services mode: `make beat`, one per deployment) sends the classes' periodic
# job every CLASS_REMINDERS_INTERVAL seconds: quiz attempts past their deadline graded,
# due-date reminders e-mailed (apps/classes/tasks.py). It is idempotent, and a run still
# queued when the next is due expires unrun: the next one does its work. Embedded mode has
# no beat: cron runs `manage.py send_reminders`.
CLASS_REMINDERS_INTERVAL = env_int("CLASS_REMINDERS_INTERVAL", 900)
if not 60 <= CLASS_REMINDERS_INTERVAL <= 3600:
    raise ConfigurationError(
        f"CLASS_REMINDERS_INTERVAL is seconds from 60 to 3600, got {CLASS_REMINDERS_INTERVAL}"
    )
CELERY_BEAT_SCHEDULE = {
    "classes-due-work": {
        "task": "classes.send_reminders",
        "schedule": float(CLASS_REMINDERS_INTERVAL),
        "options": {"queue": "default", "expires": CLASS_REMINDERS_INTERVAL * 0.9},
    },
}

# --------------------------------------------------------------------------- auth
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 hashes new passwords (Django's recommendation; PBKDF2 at 1,000,000 iterations
# took ~185 ms of CPU per sign-up, bench/signup_bench.py). The others verify passwords
# hashed before, and Django re-hashes those with Argon2 at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Failed logins: at most LOGIN_FAILURE_LIMIT per account name and per client address
# within LOGIN_FAILURE_WINDOW seconds.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_ADDRESS_LIMIT = env_int("LOGIN_FAILURE_ADDRESS_LIMIT", 20)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 900)
# Trust X-Forwarded-For only behind a proxy that sets it (number of proxies in front).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# --------------------------------------------------------------------------- email
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Backend Academy <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --------------------------------------------------------------------------- i18n
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --------------------------------------------------------------------------- static
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
# Outside production, serve straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --------------------------------------------------------------------------- security
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not env_bool("DJANGO_HSTS_PRELOAD", False):
        SILENCED_SYSTEM_CHECKS = ["security.W021"]  # preload is an opt-in commitment

# The site's own page for a failed CSRF check (Django's default one styles itself inline).
CSRF_FAILURE_VIEW = "apps.core.views.csrf_failure"

# Content-Security-Policy sent on every response (see apps.core.middleware).
CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'nonce-{nonce}'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'", "ws:", "wss:"] if not PRODUCTION else ["'self'", "wss:"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}

# The SQL query count on API responses is for staff, and for everyone in development.
API_METRICS_PUBLIC = env_bool("API_METRICS_PUBLIC", default=DEBUG)

# --------------------------------------------------------------------------- DRF
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",  # enforces CSRF
    ],
    # Object-level rules live in the selectors; the API layer only asks them.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "apps.core.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        # Fixed-window counters, one atomic INCR each (apps/core/api/throttling.py).
        "apps.core.api.throttling.AnonThrottle",
        "apps.core.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/min"),
        "user": env_str("API_THROTTLE_USER", "600/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + ([] if PRODUCTION else ["rest_framework.renderers.BrowsableAPIRenderer"]),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # DRF's JSON parser through apps.core.jsonbody (over-deep JSON and huge numbers are
    # a 400, not a RecursionError); form and multipart bodies are flat.
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}

# --------------------------------------------------------------------------- OpenAPI
# The schema is committed (schema/openapi.yaml, `make schema`) and a test fails when it
# drifts, so nothing here may depend on the environment: no server URL, no timestamps.
SPECTACULAR_SETTINGS = {
    "TITLE": "Backend Academy API",
    "VERSION": "1",
    "DESCRIPTION": """\
The REST API of Backend Academy: the course and its lessons, search, the technology matrix,
quizzes with their attempts, and your progress. Only published content is visible, through
the same rules as the web pages.

## Authentication

* **Session**: a browser signed in to the site is signed in to the API. Unsafe methods
  (POST, PUT, PATCH, DELETE) then need the `X-CSRFToken` header with the value of the
  `csrftoken` cookie (the explorer at `/api/docs/` sends it for you).
* **Personal token**: create one on your profile page (`/accounts/profile/`; it is shown
  once, and can be revoked there) — or, for a service account, with `manage.py api_token
  create` on the server — and send `Authorization: Bearer ba_…`. No CSRF is needed.
  `Authorization: Token ba_…` (Django REST framework's convention) is accepted too.

Without either, requests are anonymous. A bad or revoked token, or any other scheme
(`Basic`, `JWT`, …), is a `401` with `WWW-Authenticate: Bearer` and a message naming the
expected scheme, never a silent fallback to anonymous.

Responses vary on `Authorization` and `Cookie`; those to a request carrying credentials
are `Cache-Control: private, no-cache`, so no shared cache stores one learner's data.

## Errors

Every error has one shape, whatever the status:

```json
{"error": {"code": "not_found", "message": "No such lesson.", "details": {}}}
```

`code` is stable and meant for programs (`not_found`, `invalid`, `not_authenticated`,
`authentication_failed`, `permission_denied`, `throttled`, …); `message` is for people;
`details` holds per-field messages for `invalid` and `retry_after` for `throttled`.

## Request bodies

Send JSON (`Content-Type: application/json`). A body that is not valid JSON, nests arrays
and objects more than 64 levels deep, or holds a number longer than 100 characters is a
`400` with the code `parse_error` and a message saying which.

## Pagination

Lists take `limit` (default 50, at most 200) and `offset`, and answer
`{"count", "next", "previous", "results"}` where `next`/`previous` are full URLs or null.

## Conditional requests

Every `GET` response carries an `ETag`. Send it back in `If-None-Match` and an unchanged
resource answers `304 Not Modified` with an empty body.

## Rate limits

Requests are throttled per signed-in user and per anonymous client address (by default
600 and 120 a minute). Over the limit the answer is `429` with a `Retry-After` header (in
seconds) and the error code `throttled`.
""",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVERS": [],
    "SORT_OPERATIONS": True,
    "SORT_OPERATION_PARAMETERS": True,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CriterionKindEnum": "apps.matrix.models.CriterionKind",
        "LabStatusEnum": "apps.labs.models.LabStatus",
        "StatusEnum": "apps.exercises.models.RunStatus",
    },
    # ETag/If-None-Match/304 on GET and Retry-After on 429, added to every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api.schema.postprocess",
    ],
    "TAGS": [
        {"name": "api", "description": "The API's entry point."},
        {"name": "courses", "description": "Courses and their outlines."},
        {"name": "lessons", "description": "Lessons and search."},
        {"name": "matrix", "description": "The technology-comparison matrix."},
        {
            "name": "classes",
            "description": (
                "Classes: instructors teach a group a course, with assignments, due dates, "
                "per-learner overrides and a gradebook."
            ),
        },
        {
            "name": "labs",
            "description": (
                "Live code labs: an instructor runs code exercises for a room, learners run "
                "their code in it; the results per learner and exercise."
            ),
        },
    ],
}

# --------------------------------------------------------------------------- GraphQL
# /graphql (config/graphql/): limits checked before execution, each refused with a 400.
GRAPHENE = {
    "SCHEMA": "config.graphql.schema.schema",
    "SCHEMA_OUTPUT": "schema/schema.graphql",  # manage.py graphql_schema; committed
}
# Room for a code run's 64 KB of code sent as a variable, JSON-escaped (the document
# itself stays small: GRAPHQL_MAX_TOKENS bounds what the parser reads).
GRAPHQL_MAX_BODY_BYTES = env_int("GRAPHQL_MAX_BODY_BYTES", 262144)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 2000)  # the parser's max_tokens
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 10)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 15)
GRAPHQL_MAX_FIELDS = env_int("GRAPHQL_MAX_FIELDS", 250)  # field selections, fragments expanded
# __schema/__type queries and "Did you mean …?" hints name the schema: development only.
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", default=not PRODUCTION)
GRAPHQL_FIELD_SUGGESTIONS = not PRODUCTION
GRAPHQL_GRAPHIQL = not PRODUCTION  # the in-browser IDE on GET /graphql

# --------------------------------------------------------------------------- logging
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "apps.core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "apps.core.logging.JsonFormatter"},
        "text": {
            "format": "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s",
        },
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "uvicorn.access": {"level": "WARNING"},
    },
}
