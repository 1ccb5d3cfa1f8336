"""The cast: alice leads the platform, bob evaluates tools, carol only reads."""

import os

import pytest
from django.core.management import call_command

from apps.accounts.models import Team, User
from apps.accounts.roles import EVALUATOR, LEAD, VIEWER
from apps.catalog.seed import load_seed_catalogue

PASSWORD = "correct horse battery staple"
IN_CI = os.environ.get("CI", "").lower() == "true"


def needs_service(reason: str):
    """A test that needs PostgreSQL or Redis skips on a laptop without them and fails in CI."""
    if IN_CI:
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


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
