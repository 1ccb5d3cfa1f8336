"""Discovery against real servers on loopback: Debian's Prometheus scraping itself, an MLflow
tracking server's exporter, an unrelated exporter (Debian's node exporter) and a target that
is down; and the MLflow tracking server's registered models."""

import json
import shutil
import time
import urllib.request

import pytest
from django.core.management import call_command

from apps.discovery.models import DiscoveredTool, DiscoverySource
from tests.conftest import needs_service
from tests.probes.servers import free_port, mlflow_server, prometheus_server, running

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exporters():
    """(MLflow's URL, Prometheus's URL, the port where nothing listens): Prometheus scraping itself as job `monitoring`, MLflow's
    exporter as job `tracking`, the node exporter as job `serving`, and job `triton` at a port
    where nothing listens."""
    node = shutil.which("prometheus-node-exporter")
    if node is None:
        needs_service("Debian's prometheus-node-exporter is not installed (it comes with apt-get install prometheus)")
    node_port, prometheus_port, closed = free_port(), free_port(), free_port()
    with mlflow_server(metrics=True) as mlflow, running(
        [node, f"--web.listen-address=127.0.0.1:{node_port}"], health=f"http://127.0.0.1:{node_port}/metrics"
    ):
        urllib.request.urlopen(f"{mlflow}/api/2.0/mlflow/experiments/search?max_results=5", timeout=10).read()
        tracking = mlflow.removeprefix("http://")
        jobs = "".join(
            f"  - job_name: {job}\n    static_configs:\n      - targets: ['{target}']\n"
            for job, target in [("monitoring", f"127.0.0.1:{prometheus_port}"), ("tracking", tracking),
                                ("triton", f"127.0.0.1:{closed}")]
        )
        with prometheus_server(f"127.0.0.1:{node_port}", jobs=jobs, port=prometheus_port) as prometheus:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # until each target was scraped at least once
                targets = json.load(urllib.request.urlopen(f"{prometheus}/api/v1/targets", timeout=5))["data"]["activeTargets"]
                if len(targets) == 4 and all(t["health"] != "unknown" for t in targets):
                    break
                time.sleep(0.5)
            yield mlflow, prometheus, closed


@pytest.fixture
def loopback(settings):
    settings.PROBE_ALLOWED_NETWORKS = ["127.0.0.0/8"]


def found(source: str) -> dict[str, list[str]]:
    return {d.tool.name: d.evidence for d in DiscoveredTool.objects.filter(source__name=source).select_related("tool")}


def test_prometheus_shows_the_tools_its_targets_belong_to(exporters, catalog, loopback, capsys):
    _, prometheus, _ = exporters
    DiscoverySource.objects.create(name="prom", kind="prometheus", url=prometheus)
    call_command("discover")
    seen = found("prom")
    # The tracking server by its metric names, whatever its job is called.
    assert [e for e in seen.pop("MLflow") if e.startswith("metrics mlflow_")], seen
    assert all(e.endswith(f"from job tracking, instance {exporters[0].removeprefix('http://')}") for e in found("prom")["MLflow"])
    # Prometheus by its own metrics.
    assert any(e.startswith("metrics prometheus_") and "from job monitoring" in e for e in seen.pop("Prometheus"))
    # Triton by its job's name alone, though the target is down.
    assert seen.pop("Triton Inference Server") == [f"scrape job triton, instance 127.0.0.1:{exporters[2]}"]
    assert not seen, f"the node exporter belongs to no catalogue tool: {seen}"
    out = capsys.readouterr().out
    assert f"Triton Inference Server\tprom\tscrape job triton, instance 127.0.0.1:{exporters[2]}" in out.splitlines()


def test_mlflow_names_the_serving_tools_its_models_are_tagged_with(exporters, catalog, loopback):
    mlflow, _, _ = exporters

    def post(path, body):
        request = urllib.request.Request(f"{mlflow}/api/2.0/mlflow/{path}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        return json.load(urllib.request.urlopen(request, timeout=10))

    post("registered-models/create", {"name": "fraud-scorer", "tags": [{"key": "serving", "value": "triton"}]})
    post("registered-models/create", {"name": "churn", "tags": [{"key": "deploy_target", "value": "Seldon"},
                                                                  {"key": "owner", "value": "eva"}]})
    post("registered-models/create", {"name": "untagged"})
    DiscoverySource.objects.create(name="tracking", kind="mlflow", url=mlflow)
    call_command("discover", source=["tracking"])
    seen = {d.tool.name: d for d in DiscoveredTool.objects.select_related("tool")}
    assert sorted(seen) == ["Seldon Core", "Triton Inference Server"]
    assert seen["Triton Inference Server"].evidence == ["registered model fraud-scorer: serving=triton"]
    assert seen["Seldon Core"].evidence == ["registered model churn: deploy_target=Seldon"]
    assert seen["Seldon Core"].last_used_at is not None  # the model's last update, as MLflow says


def test_a_server_that_refuses_is_a_source_error(catalog, loopback, capsys):
    DiscoverySource.objects.create(name="gone", kind="prometheus", url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(SystemExit):
        call_command("discover")
    assert "error: gone: " in capsys.readouterr().err
    assert DiscoverySource.objects.get().last_error
