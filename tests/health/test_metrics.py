"""Stackledger's own metrics at /metrics: what they say, and who may read them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from apps.catalog.models import Tool
from apps.findings.models import LinterRun
from apps.notifications.models import Notification
from apps.probes.models import Probe, ProbeDay, ProbeResult, SweepRun
from apps.probes.sweep import sweep
from apps.stack.models import Lifecycle, StackEntry, UsageState
from tests.conftest import NOW

URL = reverse("metrics")
TOKEN = "a-long-metrics-token"
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def samples(body: bytes) -> dict:
    """(name, labels) -> value of every sample."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


@pytest.fixture
def stack(catalog, alice):
    mlflow = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=alice,
                                       usage_state=UsageState.ACTIVE)
    StackEntry.objects.create(tool=Tool.objects.get(name="Airflow"), lifecycle=Lifecycle.ADOPTED, owner=alice,
                              usage_state=UsageState.UNUSED)
    StackEntry.objects.create(tool=Tool.objects.get(name="Metaflow"))
    probe = Probe.objects.create(entry=mlflow, kind="mlflow", url="http://mlflow.internal:5000")
    for n, ok in enumerate([True, True, False]):
        ProbeResult.objects.create(probe=probe, run_key=f"r{n}", at=NOW - timedelta(hours=n), ok=ok)
    ProbeDay.objects.create(probe=probe, day=(NOW - timedelta(days=40)).date(), runs=24, failures=3)
    Notification.objects.create(key="a", to=["a@example.com"], subject="s", text="t", created_at=NOW - timedelta(hours=2))
    Notification.objects.create(key="b", to=["a@example.com"], subject="s", text="t", created_at=NOW - timedelta(days=9),
                                sent_at=NOW - timedelta(days=9))
    LinterRun.objects.create(pk=1, finished_at=NOW - timedelta(minutes=5), seconds=0.4)
    SweepRun.record(started_at=NOW - timedelta(seconds=40), seconds=2.5, probes=17)


def test_the_figures_are_the_installs(client, token, stack, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # one per figure's table, whatever the stack's size
        response = client.get(URL, **token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    figures = samples(response.content)
    assert figures["stackledger_probe_runs_total", (("kind", "mlflow"),)] == 27
    assert figures["stackledger_probe_failures_total", (("kind", "mlflow"),)] == 4
    assert figures["stackledger_probe_runs_total", (("kind", "prefect"),)] == 0
    assert figures["stackledger_outbox_depth", ()] == 1
    assert figures["stackledger_outbox_oldest_unsent_age_seconds", ()] == pytest.approx(7200, abs=5)
    assert figures["stackledger_linter_run_age_seconds", ()] == pytest.approx(300, abs=5)
    assert figures["stackledger_sweep_duration_seconds", ()] == 2.5
    assert figures["stackledger_sweep_probes", ()] == 17
    assert figures["stackledger_sweep_age_seconds", ()] == pytest.approx(40, abs=5)
    entries = {labels: value for (name, labels), value in figures.items() if name == "stackledger_stack_entries"}
    assert entries == {
        (("lifecycle", "adopted"), ("usage_state", "active")): 1,
        (("lifecycle", "adopted"), ("usage_state", "unused")): 1,
        (("lifecycle", "proposed"), ("usage_state", "unknown")): 1,
    }


def test_a_fresh_install_says_what_it_can(client, token, db):
    figures = samples(client.get(URL, **token).content)
    assert figures["stackledger_outbox_depth", ()] == 0
    assert not any(name.startswith(("stackledger_sweep", "stackledger_linter")) for name, _ in figures)


def test_a_scheduled_sweep_is_recorded(catalog, alice):
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=alice)
    Probe.objects.create(entry=entry, kind="manual", next_run_at=NOW - timedelta(minutes=1))
    sweep(now=NOW)
    last = SweepRun.objects.get()
    assert last.started_at == NOW and last.probes == 1 and last.seconds >= 0


def test_anonymous_and_logged_in_scrapes_are_refused(client, settings, lead_client, db):
    settings.METRICS_TOKEN = TOKEN
    assert client.get(URL).status_code == 403
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get(URL, HTTP_AUTHORIZATION=TOKEN).status_code == 403  # not a bearer token
    assert lead_client.get(URL).status_code == 403  # a session is not a metrics token
    settings.METRICS_TOKEN = ""
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer ").status_code == 403  # no token set: none matches


def test_an_allowed_network_needs_no_token(client, settings, db):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get(URL).status_code == 403  # the test client comes from 127.0.0.1
    assert client.get(URL, REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get(URL, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="8.8.8.8").status_code == 200
    assert client.get(URL, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code == 403  # spoofed
