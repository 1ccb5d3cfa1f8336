"""The MLflow driver against a real MLflow tracking server on loopback."""

import ipaddress
import json
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from apps.lib.http import Guard
from apps.probes.drivers import ProbeError, ProbeSpec, read
from tests.probes.servers import mlflow_server

pytestmark = pytest.mark.slow
LOOPBACK = Guard(allowed=(ipaddress.ip_network("127.0.0.0/8"),))
NOW = datetime.now(UTC).replace(microsecond=0)


def call(url, path, payload):
    request = urllib.request.Request(url + "/api/2.0/mlflow/" + path, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@pytest.fixture(scope="module")
def server():
    with mlflow_server() as url:
        churn = call(url, "experiments/create", {"name": "churn"})["experiment_id"]
        fraud = call(url, "experiments/create", {"name": "fraud"})["experiment_id"]
        archived = call(url, "experiments/create", {"name": "old-notebooks"})["experiment_id"]
        call(url, "runs/create", {"experiment_id": churn, "start_time": ms(NOW - timedelta(days=40))})
        call(url, "runs/create", {"experiment_id": fraud, "start_time": ms(NOW - timedelta(days=3))})
        call(url, "runs/create", {"experiment_id": churn, "start_time": ms(NOW - timedelta(days=2, hours=5))})
        call(url, "runs/create", {"experiment_id": archived, "start_time": ms(NOW - timedelta(hours=1))})
        call(url, "experiments/delete", {"experiment_id": archived})
        yield url


def spec(url, **params):
    return ProbeSpec(kind="mlflow", url=url, now=NOW, window=timedelta(days=30), params=params, guard=LOOPBACK)


def test_it_reads_the_newest_run_across_active_experiments(server):
    reading = read(spec(server))
    assert reading.last_activity_at == NOW - timedelta(days=2, hours=5)  # not the archived one
    assert reading.activity_count == 2  # the runs started in the 30-day window


def test_it_reads_only_the_configured_experiments(server):
    experiments = call(server, "experiments/search", {"max_results": 10})["experiments"]
    fraud = next(e["experiment_id"] for e in experiments if e["name"] == "fraud")
    reading = read(spec(server, experiment_ids=[fraud]))
    assert (reading.last_activity_at, reading.activity_count) == (NOW - timedelta(days=3), 1)


def test_a_new_model_version_counts_as_activity(server):
    call(server, "registered-models/create", {"name": "churn-predictor"})
    run = call(server, "runs/create", {"experiment_id": "0", "start_time": ms(NOW - timedelta(days=1))})
    run_id = run["run"]["info"]["run_id"]
    version = call(server, "model-versions/create",
                   {"name": "churn-predictor", "source": f"runs:/{run_id}/model", "run_id": run_id})
    registered = datetime.fromtimestamp(int(version["model_version"]["last_updated_timestamp"]) / 1000, UTC)
    later = ProbeSpec(kind="mlflow", url=server, now=datetime.now(UTC) + timedelta(seconds=1),
                      window=timedelta(days=30), guard=LOOPBACK)
    assert read(later).last_activity_at == registered


def test_a_wrong_address_is_an_error_not_unused(server):
    with pytest.raises(ProbeError):
        read(spec(server.replace("http://127.0.0.1:", "http://127.0.0.1:1")))


def test_the_probe_command_reads_it_end_to_end(server, catalog, alice, settings, capsys):
    from django.core.management import call_command

    from apps.catalog.models import Tool
    from apps.probes.models import Probe
    from apps.stack.models import StackEntry

    settings.PROBE_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    entry = StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle="adopted", owner=alice)
    Probe.objects.create(entry=entry, kind="mlflow", url=server, unused_after_days=30)
    call_command("probe", "--entry", "MLflow")
    out = capsys.readouterr().out.strip()
    assert out.startswith("MLflow mlflow ok last_activity=20")
    assert "state=active" in out
    entry.refresh_from_db()
    assert entry.last_activity_at >= NOW - timedelta(days=2, hours=5)
