from datetime import UTC, datetime

import pytest

from apps.catalog.models import Tool
from apps.probes.models import Probe
from apps.stack.models import Lifecycle, StackEntry

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def entry(catalog, alice, bob):
    """MLflow, adopted, owned by bob; alice leads."""
    return StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=bob)


@pytest.fixture
def probe(entry):
    created = Probe.objects.create(entry=entry, kind="heartbeat", unused_after_days=90, next_run_at=NOW)
    Probe.objects.filter(pk=created.pk).update(created_at=datetime(2026, 1, 1, tzinfo=UTC))
    created.refresh_from_db()
    return created
