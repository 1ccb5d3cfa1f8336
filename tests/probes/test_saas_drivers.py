"""Drivers of SaaS APIs (GitHub, W&B) and the generic JSON driver: a local server answers
with payloads in the shape of each API's documentation, and the tests check what the drivers
ask and what they make of the answers. Airflow replays answers recorded from real servers
(test_airflow_recorded.py)."""

import base64
import ipaddress
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.lib.http import Guard
from apps.probes.drivers import ProbeError, ProbeSpec, read

LOOPBACK = Guard(allowed=(ipaddress.ip_network("127.0.0.0/8"),))
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class Api(BaseHTTPRequestHandler):
    routes: dict = {}
    seen: list = []

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        type(self).seen.append((self.command, self.path, dict(self.headers), body))
        for (method, prefix), (status, payload) in self.routes.items():
            if method == self.command and self.path.startswith(prefix):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _answer


@pytest.fixture
def api():
    handler = type("Handler", (Api,), {"routes": {}, "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()


def spec(kind, url, **params):
    return ProbeSpec(kind=kind, url=url, now=NOW, window=timedelta(days=90), params=params,
                     credential="s3cret", guard=LOOPBACK)


def test_github_actions_reads_workflow_runs(api):
    url, handler = api
    handler.routes = {
        ("GET", "/repos/acme/churn/actions/workflows/retrain.yml/runs?per_page=1&created"): (200, {"total_count": 12, "workflow_runs": []}),
        ("GET", "/repos/acme/churn/actions/workflows/retrain.yml/runs?per_page=1"): (200, {"total_count": 80, "workflow_runs": [{"run_started_at": "2026-11-01T06:00:00Z", "created_at": "2026-11-01T05:59:00Z"}]}),
    }
    reading = read(spec("github_actions", url, repository="acme/churn", workflow="retrain.yml"))
    assert (reading.last_activity_at, reading.activity_count) == (datetime(2026, 11, 1, 6, tzinfo=UTC), 12)
    assert handler.seen[0][2]["Authorization"] == "Bearer s3cret"


def test_wandb_reads_runs_by_heartbeat(api):
    url, handler = api
    handler.routes = {("POST", "/graphql"): (200, {"data": {"project": {
        "runs": {"edges": [{"node": {"heartbeatAt": "2026-10-31T22:15:00"}}]}, "recent": {"totalCount": 9}}}})}
    reading = read(spec("wandb", url + "/graphql", entity="acme-ds", project="churn"))
    assert (reading.last_activity_at, reading.activity_count) == (datetime(2026, 10, 31, 22, 15, tzinfo=UTC), 9)
    assert handler.seen[0][2]["Authorization"] == "Basic " + base64.b64encode(b"api:s3cret").decode()


def test_http_json_follows_the_paths(api):
    url, handler = api
    handler.routes = {("GET", "/status"): (200, {"data": {"runs": [{"at": 1761958800000}], "total": "5"}})}
    reading = read(spec("http_json", url + "/status", timestamp_path="data.runs.0.at", count_path="data.total"))
    assert (reading.last_activity_at, reading.activity_count) == (datetime(2025, 11, 1, 1, tzinfo=UTC), 5)


def test_http_json_says_where_a_path_is_missing(api):
    url, handler = api
    handler.routes = {("GET", "/status"): (200, {"data": {}})}
    with pytest.raises(ProbeError, match="nothing at 'data.last'"):
        read(spec("http_json", url + "/status", timestamp_path="data.last"))
