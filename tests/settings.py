"""The settings the suite runs with: the app's own, plus django-zeal, which fails any request
that loads related rows one by one (an N+1) where one query would do."""

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
