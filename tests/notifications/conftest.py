import pytest


@pytest.fixture(autouse=True)
def loopback_channels(settings):
    """The webhook receivers of these tests listen on loopback."""
    settings.NOTIFY_ALLOWED_NETWORKS = ["127.0.0.0/8"]

from apps.catalog.models import Tool
from apps.stack.models import Lifecycle, StackEntry


@pytest.fixture
def entry(catalog, platform, alice, bob):
    """MLflow, adopted by the Platform team, owned by bob; alice leads."""
    return StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED,
                                     owner=bob, team=platform)
