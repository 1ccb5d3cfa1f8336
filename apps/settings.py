"""Stackledger settings: every value an operator may change comes from the environment.

`.env.example` lists the variables; README.md explains each one. Defaults are for one person
running `make run` on a laptop: SQLite, an embedded broker and email printed to the console.
"""

import base64
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django.forms
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from apps.lib import env as environment
from apps.lib.env import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)
# `manage.py makemigrations` only compares the models with the migrations: it serves, signs and
# decrypts nothing, so it runs on a checkout with no configuration at all (CI checks the
# migrations so), on a throwaway signing key of its own and without the production checks.
# `manage.py lint` signs and decrypts nothing either, and keeps nothing it writes: it runs so
# too, and with no DATABASE_URL on an in-memory database of its own (apps/findings/embedded.py).
LINT = Path(sys.argv[0]).name == "manage.py" and sys.argv[1:2] == ["lint"]
CODE_ONLY = Path(sys.argv[0]).name == "manage.py" and sys.argv[1:2] == ["makemigrations"] or LINT
# The key anyone can read here signs only while developing Stackledger itself: with DEBUG off
# every other process (gunicorn, the worker, beat, manage.py) refuses to start without a key of
# its own, since sessions and the keep/remove links in emails could otherwise be forged.
DEFAULT_SECRET_KEY = "django-insecure-stackledger-local-only"
SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET_KEY if DEBUG else secrets.token_urlsafe(50) if CODE_ONLY else "")
if not DEBUG and SECRET_KEY in ("", DEFAULT_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set (nor SECRET_KEY_FILE, a file that holds it), and with DEBUG off "
        "there is no default: set it to a long random string, e.g. "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "Stackledger"
_site = urlsplit(SITE_URL)
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # the Django engine finds the widget templates the Jinja2 one has no twin of
    "django_htmx",
    "ninja",  # the REST API's docs page (Swagger UI) and its static files
    "axes",
    "apps.accounts",
    "apps.catalog",
    "apps.painpoints",
    "apps.stack",
    "apps.notifications",
    "apps.evaluations",
    "apps.probes",
    "apps.discovery",
    "apps.findings",
    "apps.reviews",
    "apps.stackfile",
    "apps.health",
    "apps.ledger",  # the pages that read every app above: nothing imports it
    "apps.api",  # the REST API at /api/, with its OpenAPI schema and docs; nothing imports it
    "apps.demo",  # the demo organisation, its large version and the benchmark
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.lib.htmx.VaryOnHtmx",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "apps.urls"
WSGI_APPLICATION = "apps.wsgi.application"

TEMPLATES = [
    # Form widgets only, drawn with Django's Jinja2 twins of its widget templates: a select of a
    # hundred teams costs a context lookup per option in the Django engine, far less here. The
    # admin's own widgets have no twin and fall through to the Django engine below.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [Path(django.forms.__file__).parent / "jinja2"],
        "APP_DIRS": False,
    },
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
            "libraries": {"stackledger": "apps.lib.templatetags.stackledger"},
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database: an SQLite file by default, PostgreSQL in production and CI.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", "sqlite://:memory:" if LINT else f"sqlite:///{VAR_DIR / 'stackledger.sqlite3'}"),
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share the file: WAL and immediate transactions
    # keep them from tripping over each other's locks.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
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
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Security. Production runs behind a TLS-terminating proxy at an https SITE_URL.
# Scripts, styles and images come from Stackledger itself; no inline script, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Login attempts: after 5 failures for one account from one address, that pair waits 15 minutes.
# The account is the one the login resolves, whichever spelling of its email was typed.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "apps.accounts.backends.PasswordBackend",  # email and password, unless PASSWORD_LOGIN is off
    "apps.accounts.oidc.SignOnBackend",  # single sign-on's callback, when OIDC_ISSUER is set
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.login_email"
AXES_CLIENT_IP_CALLABLE = "apps.accounts.lockout.client_address"
AXES_WHITELIST_CALLABLE = "apps.accounts.lockout.sign_on_attempt"  # single sign-on is not a guess
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The proxies whose X-Forwarded-For the lockout believes (comma-separated networks); empty, it
# counts the address of the socket, since anyone can send the header.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
# Single sign-on with OpenID Connect, on when OIDC_ISSUER is set: the endpoints come from the
# issuer's discovery document; people get the role of the groups the provider's OIDC_GROUPS_CLAIM
# lists (lead beats evaluator beats viewer), and someone in none of them is refused.
OIDC_ISSUER = env("OIDC_ISSUER").strip()
OIDC_CLIENT_ID = env("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env("OIDC_CLIENT_SECRET")
OIDC_SCOPES = env("OIDC_SCOPES", "openid email profile").replace(",", " ").split()
OIDC_GROUPS_CLAIM = env("OIDC_GROUPS_CLAIM", "groups").strip()
OIDC_LEAD_GROUPS = env_list("OIDC_LEAD_GROUPS")
OIDC_EVALUATOR_GROUPS = env_list("OIDC_EVALUATOR_GROUPS")
OIDC_VIEWER_GROUPS = env_list("OIDC_VIEWER_GROUPS")
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME").strip()  # the button's "Sign in with …"; the issuer's host
# Email-and-password login, on by default; off, only single sign-on signs anyone in.
PASSWORD_LOGIN = env_bool("PASSWORD_LOGIN", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if _site.scheme == "https":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# Email: SMTP when EMAIL_HOST is set, otherwise printed to the console.
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Stackledger <stackledger@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis in production; with no CELERY_BROKER_URL an embedded broker that keeps its
# messages as files under var/broker, so `make run` needs no server.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "memory://" if LINT else "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR = VAR_DIR / "broker"
    for folder in (BROKER_DIR, VAR_DIR / "broker-control"):
        folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        "control_folder": str(VAR_DIR / "broker-control"),
    }
else:
    # A broker that is down or hangs fails a page's queueing in seconds, not minutes.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 2, "max_retries": 0,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "apps.health.tasks.record_heartbeat", "schedule": crontab()},
    "probe-sweep": {"task": "apps.probes.tasks.sweep", "schedule": crontab()},
    "send-notifications": {"task": "apps.notifications.tasks.send_notifications", "schedule": crontab()},
    "removal-pipeline": {"task": "apps.probes.tasks.removal_pipeline", "schedule": crontab(minute=15, hour=6)},
    "weekly-digest": {"task": "apps.probes.tasks.weekly_digest", "schedule": crontab(minute=0, hour=7, day_of_week=1)},
    "rollup": {"task": "apps.probes.tasks.rollup", "schedule": crontab(minute=30, hour=3)},
    "discovery": {"task": "apps.discovery.tasks.discover", "schedule": crontab(minute=45, hour=5)},
    "trials": {"task": "apps.evaluations.tasks.refresh_trials", "schedule": crontab(minute=0, hour=6)},
    "review-reminders": {"task": "apps.reviews.tasks.send_reminders", "schedule": crontab(minute=5, hour=6)},
    # After changes the linter runs at once; this catches what the clock alone changes.
    "findings": {"task": "apps.findings.tasks.refresh", "schedule": crontab(minute="*/10")},
}

# Cache: what is worked out once per stack version (apps.stack.cache). With a Redis broker it
# lives in the same Redis database, under its own key prefix, so every web process shares it
# (`cache.clear()` would empty that database, the broker's queues included); otherwise each
# process keeps its own in memory.
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CELERY_BROKER_URL,
            "KEY_PREFIX": "stackledger",
            # A Redis that is down or hangs costs a page a second, then it works the value out.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": "stackledger"}
    }

# Probes (used by the probe drivers): the networks they may reach, and the Fernet keys that
# encrypt their credentials, newest first. With DEBUG off both are the operator's to choose:
# no networks is a system check error (stackledger.E002), and no keys refuses to start, since a
# key made from SECRET_KEY would hand every credential to whoever learns that one.
PROBE_ALLOWED_NETWORKS = env_list(
    "PROBE_ALLOWED_NETWORKS", "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16" if DEBUG else ""
)
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
# The folders a `requirements` discovery source may read, with what is below them
# (comma-separated); the demo's folder of example repositories by default.
DISCOVERY_ALLOWED_PATHS = env_list("DISCOVERY_ALLOWED_PATHS", str(BASE_DIR / "fixtures" / "discovery"))

# Stackledger's own metrics at /metrics: for a scrape with this token as a bearer token, or
# from these networks (comma-separated); with neither, for nobody.
METRICS_TOKEN = env("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS")
# The private networks a team's webhook channel (json://, mmost://, ...) may post to; public
# addresses are always allowed, metadata, link-local and Stackledger's own services never.
NOTIFY_ALLOWED_NETWORKS = env_list("NOTIFY_ALLOWED_NETWORKS")
if LINT and not FIELD_ENCRYPTION_KEYS:  # what lint writes is rolled back: a throwaway key does
    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()]
if not DEBUG and not CODE_ONLY and not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS is not set (nor FIELD_ENCRYPTION_KEYS_FILE, a file that holds it), "
        "and with DEBUG off probe credentials are encrypted with no other key: set it to a Fernet "
        "key, e.g. python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"axes": {"level": "WARNING"}},  # failures and lockouts, not every log-in
}

# The variables above: a stack file may not read them as probe credentials.
ENVIRONMENT_VARIABLES = sorted(environment.READ)
