"""Values worked out from the stack, kept in Django's cache (shared by every process when it is
Redis) under the current stack version: a change that moves the version leaves them behind."""

import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from apps.stack.models import StackVersion

log = logging.getLogger(__name__)

T = TypeVar("T")
HOUR = 3600
_MISSING = object()


def key(name: str) -> str:
    """The cache key of `name` at the current stack version."""
    return f"stack-{StackVersion.current()}:{name}"


def cached(name: str, build: Callable[[], T], *, timeout: int = HOUR) -> T:
    """`build()`'s value (which must pickle), worked out once per stack version and kept for
    `timeout` seconds. A cache that cannot be reached costs a `build()`, not the page."""
    versioned = key(name)
    try:
        value = cache.get(versioned, _MISSING)
    except Exception:
        log.warning("The cache did not answer; working out %s", versioned, exc_info=True)
        return build()
    if value is _MISSING:
        value = build()
        try:
            cache.set(versioned, value, timeout)
        except Exception:
            log.warning("The cache did not keep %s", versioned, exc_info=True)
    return value
