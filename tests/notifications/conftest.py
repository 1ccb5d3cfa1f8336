import pytest

from apps.catalog.models import Tool
from apps.stack.models import Lifecycle, StackEntry


@pytest.fixture
def entry(catalog, platform, alice, bob):
    """MLflow, adopted by the Platform team, owned by bob; alice leads."""
    return StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED,
                                     owner=bob, team=platform)
