"""What is worked out from the stack is kept once per stack version in Django's cache: Redis,
shared by every web process, when the broker is Redis."""

import runpy
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache

import apps.settings
from apps.catalog.models import Tool
from apps.reviews.dashboard import live_dashboard
from apps.reviews.models import Review
from apps.reviews.services import review_open
from apps.stack.cache import cached, key
from apps.stack.models import Lifecycle, StackEntry, StackVersion
from tests.conftest import NOW, needs_service


def settings_with_broker(monkeypatch, url: str) -> dict:
    """The settings module as a process started with CELERY_BROKER_URL=url reads it."""
    monkeypatch.delenv("CELERY_BROKER_URL_FILE", raising=False)
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    return runpy.run_path(apps.settings.__file__)


class Builds:
    """A build that counts how often it ran."""

    def __init__(self, value):
        self.value, self.runs = value, 0

    def __call__(self):
        self.runs += 1
        return self.value


@pytest.mark.parametrize("url", ["redis://redis:6379/0", "rediss://:secret@cache.example:6380/2"])
def test_a_redis_broker_puts_the_cache_on_the_same_redis_under_its_own_prefix(monkeypatch, url):
    (default,) = settings_with_broker(monkeypatch, url)["CACHES"].values()
    assert default["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert default["LOCATION"] == url and default["KEY_PREFIX"] == "stackledger"


def test_without_a_redis_broker_each_process_caches_in_memory(monkeypatch):
    (default,) = settings_with_broker(monkeypatch, "filesystem://")["CACHES"].values()
    assert default["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_a_value_is_worked_out_once_per_stack_version(db):
    build = Builds(["drawn"])
    assert cached("chart", build) == ["drawn"] and cached("chart", build) == ["drawn"]
    assert build.runs == 1
    StackVersion.bump()
    assert cached("chart", build) == ["drawn"] and build.runs == 2
    assert cache.get(key("chart")) == ["drawn"]


def test_a_change_to_the_stack_moves_the_version_once_it_commits(catalog, django_capture_on_commit_callbacks):
    before = key("chart")
    with django_capture_on_commit_callbacks(execute=True):
        StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED)
    assert key("chart") != before


def test_a_cache_that_does_not_answer_costs_a_build_not_the_page(db, monkeypatch):
    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("Redis is down")

        set = get

    monkeypatch.setattr("apps.stack.cache.cache", Down())
    build = Builds("drawn")
    assert cached("chart", build) == "drawn" and cached("chart", build) == "drawn"
    assert build.runs == 2


def test_the_overview_dashboard_is_kept_drawn_and_follows_the_stack(catalog, alice, django_capture_on_commit_callbacks):
    mlflow = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED,
                                       licence_per_month=Decimal(100))
    review_open(Review.objects.create(year=2026, held_on=date(2026, 11, 20)), by=alice, now=NOW)
    first = live_dashboard(NOW.date())
    again = live_dashboard(NOW.date())
    assert again is not first  # a copy from the cache, as another process reads it
    assert again.radar == first.radar and f'href="/stack/{mlflow.pk}/"' in again.radar
    assert {"radar", "cost_chart", "cover", "usage_counts"} <= set(vars(again))  # drawn before it was kept
    assert again.changes.since.year == 2026 and not again.changes

    with django_capture_on_commit_callbacks(execute=True):
        StackEntry.objects.create(tool=Tool.objects.get(name="Prometheus"), lifecycle=Lifecycle.PROPOSED)
    assert [name for name, *_ in live_dashboard(NOW.date()).changes.added] == ["Prometheus"]


def test_two_cache_clients_on_the_broker_redis_see_the_same_value(db, settings, monkeypatch):
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        needs_service("CELERY_BROKER_URL must point at Redis")
    (production,) = settings_with_broker(monkeypatch, settings.CELERY_BROKER_URL)["CACHES"].values()
    settings.CACHES = {"default": production}  # this process, as a web process runs
    other = RedisCache(production["LOCATION"], production)  # another web process
    name = f"test-{uuid4().hex}"
    try:
        assert cached(name, Builds({"drawn": "here"})) == {"drawn": "here"}
        assert other.get(key(name)) == {"drawn": "here"}
        other.set(key(name), {"drawn": "there"})
        build = Builds(None)
        assert cached(name, build) == {"drawn": "there"} and build.runs == 0
    finally:
        other.delete(key(name))
