"""The settings the suite runs with: the app's own, plus django-zeal, which fails any request
that loads related rows one by one (an N+1) where one query would do."""

import os

# The suite runs as production does, with DEBUG off: the settings refuse to start without a
# signing key and a credential key, and manage.py commands stop without the networks probes may
# reach. These are the suite's own; set in the environment, the worker processes and commands
# the tests start share them.
os.environ.setdefault("SECRET_KEY", "stackledger-test-suite-only-5b8f0d2e9c7a41f3a6e1d4b7c0f9e2a8")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1zdWl0ZS1vbmx5LWZpZWxkLWtleS0wMDAwMDA=")
os.environ.setdefault("PROBE_ALLOWED_NETWORKS", "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16")

from apps.settings import *  # noqa: F403
from apps.settings import INSTALLED_APPS, MIDDLEWARE

INSTALLED_APPS = [*INSTALLED_APPS, "zeal"]
MIDDLEWARE = [*MIDDLEWARE, "zeal.middleware.zeal_middleware"]
ZEAL_RAISE = True
# The same query from the same line four times in one request: the lists the pages show run
# to 25 rows, while a workflow step may touch its two or three shortlisted tools one by one.
ZEAL_NPLUSONE_THRESHOLD = 4
# Django's own session handling loads the session more than once in a log-out.
ZEAL_ALLOWLIST = [{"model": "sessions.Session"}]
# Local memory whatever the broker, so that no two runs share what is cached and the autouse
# fixture `empty_cache` can clear it (tests/stack/test_cache.py checks the Redis choice).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "KEY_PREFIX": "stackledger"}}
