"""The cast: alice leads the platform, bob evaluates tools, carol only reads."""

import os
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command

from apps.accounts.models import Team, User
from apps.accounts.roles import EVALUATOR, LEAD, VIEWER
from apps.catalog.seed import load_seed_catalogue

PASSWORD = "correct horse battery staple"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # the moment a test stamps what it does, where the day does not matter
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True, scope="session")
def _the_clock_at_a_chosen_moment():
    """STACKLEDGER_TEST_NOW (ISO 8601) starts the whole run's clock at that moment, ticking: CI
    runs the suite late on 31 December and on 29 February to show it does not hang on the hour."""
    moment = os.environ.get("STACKLEDGER_TEST_NOW")
    if not moment:
        yield
        return
    import time_machine

    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture
def clock(request):
    """The clock stands at the test module's NOW (else this one's) and ticks on from there, so
    what a test stores, what the rules are asked about and what the pages show share one
    moment, whatever the hour the suite runs."""
    import time_machine

    with time_machine.travel(getattr(request.module, "NOW", NOW), tick=True) as traveller:
        yield traveller


def needs_service(reason: str):
    """A test that needs PostgreSQL or Redis skips on a laptop without them and fails in CI."""
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing cached, as a freshly started server does (the suite's
    cache is local memory: see tests/settings.py)."""
    cache.clear()


@pytest.fixture
def platform(db):
    return Team.objects.create(name="Platform")


def _member(email, role, team):
    user = User.objects.create_user(email, PASSWORD, name=email.split("@")[0].title(), team=team)
    user.set_role(role)
    return user


@pytest.fixture
def alice(platform):
    return _member("alice@example.com", LEAD, platform)


@pytest.fixture
def bob(platform):
    return _member("bob@example.com", EVALUATOR, platform)


@pytest.fixture
def carol(platform):
    return _member("carol@example.com", VIEWER, platform)


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def lead_client(client, alice):
    return _client_for(client, alice)


@pytest.fixture
def evaluator_client(client, bob):
    return _client_for(client, bob)


@pytest.fixture
def viewer_client(client, carol):
    return _client_for(client, carol)


@pytest.fixture
def catalog(db):
    """The seed catalogue, as `make run` loads it."""
    load_seed_catalogue()


@pytest.fixture
def demo(catalog):
    """The demo organisation of `make run` (fixtures/demo-stack.yaml)."""
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def demo_viewer_client(client, demo):
    return _client_for(client, User.objects.get(email="vic@example.com"))


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage used with DEBUG off needs collectstatic; tests render templates only.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def big_stack(catalog, alice, bob):
    """200 stack entries across every category and lifecycle, with pain points and models."""
    from apps.catalog.models import Category, Tool
    from apps.findings.services import refresh
    from apps.painpoints.models import PainPoint
    from apps.stack.models import Lifecycle, MLModel, StackEntry

    categories = list(Category.objects.all())
    tools = Tool.objects.bulk_create(
        Tool(name=f"Tool {n:03}", slug=f"tool-{n:03}", hosting="saas", complexity="low") for n in range(200)
    )
    Through = Tool.categories.through
    Through.objects.bulk_create(
        Through(tool=tool, category=categories[n % len(categories)]) for n, tool in enumerate(tools)
    )
    pains = PainPoint.objects.bulk_create(
        PainPoint(title=f"Pain {n:03}", category=categories[n % len(categories)], evidence="weekly",
                  anticipated=n % 5 == 0, team=alice.team)
        for n in range(200)
    )
    lifecycles = list(Lifecycle)
    entries = StackEntry.objects.bulk_create(
        StackEntry(tool=tool, lifecycle=lifecycles[n % len(lifecycles)], owner=[alice, bob, None][n % 3],
                   team=alice.team)
        for n, tool in enumerate(tools)
    )
    Link = StackEntry.pain_points.through
    Link.objects.bulk_create(Link(stackentry=entry, painpoint=pains[n]) for n, entry in enumerate(entries) if n % 4)
    MLModel.objects.bulk_create(
        MLModel(name=f"model-{n}", stage="production", serving=entries[n]) for n in range(10)
    )
    refresh(now=NOW)  # as the worker does after a change
    return entries
