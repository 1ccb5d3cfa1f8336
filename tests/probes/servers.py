"""Real servers on loopback for the probe tests: MLflow and Prefect from their own virtual
environments (`make servers` makes them), Prometheus from Debian's package."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import needs_service
from tests.workers import stop

SERVERS = Path(os.environ.get("STACKLEDGER_SERVERS", Path.home() / ".cache" / "stackledger" / "servers"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: int = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"{url} did not come up in {seconds} s: {log.read_text()[-2000:]}")


@contextmanager
def running(command: list[str], health: str, env: dict | None = None, cwd: Path | None = None):
    log = Path(cwd or tempfile.mkdtemp()) / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                                   cwd=cwd, start_new_session=True)
    try:
        wait_until_up(health, process, log)
        yield
    finally:
        stop(process)


def server_binary(venv: str, name: str) -> str:
    path = SERVERS / venv / "bin" / name
    if not path.exists():
        needs_service(f"{path} is missing: run `make servers`")
    return str(path)


@contextmanager
def mlflow_server(*, metrics: bool = False):
    """An MLflow tracking server; with `metrics`, exporting Prometheus metrics at /metrics."""
    binary = server_binary("mlflow", "mlflow")
    port, home = free_port(), Path(tempfile.mkdtemp(prefix="mlflow-"))
    with running(
        [binary, "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{home}/mlflow.db", "--default-artifact-root", f"file://{home}/artifacts",
         *(["--expose-prometheus", str(home / "metrics")] if metrics else [])],
        health=f"http://127.0.0.1:{port}/health", env={"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}, cwd=home,
    ):
        yield f"http://127.0.0.1:{port}"
    shutil.rmtree(home, ignore_errors=True)


@contextmanager
def prefect_server():
    binary = server_binary("prefect", "prefect")
    port, home = free_port(), Path(tempfile.mkdtemp(prefix="prefect-"))
    env = {
        "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home}/prefect.db",
    }
    with running([binary, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                 health=f"http://127.0.0.1:{port}/api/ready", env=env, cwd=home):
        yield f"http://127.0.0.1:{port}"
    shutil.rmtree(home, ignore_errors=True)


@contextmanager
def prometheus_server(scrape_target: str, retention: str = "15d", jobs: str = "", port: int | None = None):
    """Debian's Prometheus scraping `scrape_target` every second as job "serving"; `jobs`: more
    scrape configs, as YAML list items; on `port`, else a free one."""
    binary = shutil.which("prometheus") or "/usr/bin/prometheus"
    if not os.path.exists(binary):
        needs_service("Prometheus is not installed (apt-get install prometheus)")
    port, home = port or free_port(), Path(tempfile.mkdtemp(prefix="prometheus-"))
    (home / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"scrape_configs:\n  - job_name: serving\n    static_configs:\n      - targets: ['{scrape_target}']\n{jobs}"
    )
    with running(
        [binary, f"--config.file={home}/prometheus.yml", f"--storage.tsdb.path={home}/data",
         f"--web.listen-address=127.0.0.1:{port}", f"--storage.tsdb.retention.time={retention}"],
        health=f"http://127.0.0.1:{port}/-/ready", cwd=home,
    ):
        yield f"http://127.0.0.1:{port}"
    shutil.rmtree(home, ignore_errors=True)
