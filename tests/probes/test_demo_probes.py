"""Demo probes: no server answers them, so the sweep leaves them alone and the linter does not
count them as failing; a lead who points one at a real server makes it a real probe."""

import pytest

from apps.catalog.models import Tool
from apps.findings.models import Finding
from apps.findings.services import refresh
from apps.probes.models import Probe, ProbeResult
from apps.probes.sweep import sweep
from apps.stack.models import Lifecycle, StackEntry
from tests.probes.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")

FORM = {"kind": "mlflow", "url": "http://127.0.0.1:5000", "interval_minutes": "60", "unused_after_days": "60",
        "failures_before_unknown": "3", "enabled": "on", "credential": ""}


@pytest.fixture
def demo_probe(entry):
    return Probe.objects.create(entry=entry, kind="mlflow", url="http://127.0.0.1:5000", unused_after_days=60,
                                next_run_at=NOW, demo=True)


@pytest.fixture
def real_probe(catalog, bob):
    grafana = StackEntry.objects.create(tool=Tool.objects.get(name="Grafana"), lifecycle=Lifecycle.ADOPTED, owner=bob)
    return Probe.objects.create(entry=grafana, kind="heartbeat", next_run_at=NOW)


def test_the_sweep_leaves_demo_probes_alone(demo_probe, real_probe):
    runs = sweep(now=NOW, force=True)
    assert [run.probe.pk for run in runs] == [real_probe.pk]
    demo_probe.refresh_from_db()
    assert demo_probe.last_run_at is None and demo_probe.consecutive_failures == 0
    assert not ProbeResult.objects.filter(probe=demo_probe).exists()


def test_a_demo_probe_is_never_a_failing_probe(demo_probe, real_probe):
    Probe.objects.update(consecutive_failures=2, last_error="connection refused")
    refresh(now=NOW)
    failing = Finding.objects.filter(code="probe-failing")
    assert list(failing.values_list("entry__tool__name", flat=True)) == ["Grafana"]


def test_the_entry_page_says_demo_data_and_offers_no_probe_run(demo_probe, lead_client):
    page = lead_client.get(f"/stack/{demo_probe.entry.pk}/").content.decode()
    assert "demo data" in page and "point it at your server" in page
    assert "Probe now" not in page
    response = lead_client.post(f"/stack/{demo_probe.entry.pk}/probe-now/", follow=True)
    assert "is demo data" in response.content.decode()


def test_changing_what_a_demo_probe_reads_makes_it_a_real_probe(demo_probe, lead_client):
    url = f"/stack/{demo_probe.entry.pk}/probe/"
    assert "This probe is demo data" in lead_client.get(url).content.decode()
    lead_client.post(url, {**FORM, "interval_minutes": "30"})
    demo_probe.refresh_from_db()
    assert demo_probe.demo and demo_probe.interval_minutes == 30  # still the same absent server
    lead_client.post(url, {**FORM, "url": "http://mlflow.internal:5000"})
    demo_probe.refresh_from_db()
    assert not demo_probe.demo and demo_probe.url == "http://mlflow.internal:5000"
    assert "demo data" not in lead_client.get(f"/stack/{demo_probe.entry.pk}/").content.decode()
    assert [run.probe.pk for run in sweep(now=NOW, force=True)] == [demo_probe.pk]  # and the sweep runs it


@pytest.mark.parametrize("change", [{"param_experiment_ids": "7"}, {"credential": "tok-123"}, {"kind": "prefect"}])
def test_new_settings_or_a_credential_make_it_real_too(demo_probe, lead_client, change):
    lead_client.post(f"/stack/{demo_probe.entry.pk}/probe/", {**FORM, **change})
    demo_probe.refresh_from_db()
    assert not demo_probe.demo
