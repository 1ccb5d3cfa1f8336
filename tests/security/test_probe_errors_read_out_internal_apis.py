"""A lead points a probe at an internal API that is no tool (PROBE_ALLOWED_NETWORKS lets it
reach one) and reads the API's data back through the probe's error text. Errors say where and
what was expected, never what the target answered; the raw error text is for the owner and
the leads, and every other role sees only that the probe is failing, since when and how often."""

import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client
from django.utils.html import escape

from apps.catalog.models import Tool
from apps.findings.services import refresh
from apps.probes.models import Probe, ProbeResult
from apps.probes.sweep import sweep
from apps.stack.models import Lifecycle, StackEntry
from tests.conftest import NOW

SECRET = "sk-internal-7q2x"  # lower case: some answers are lowered before they are quoted
LEAKY = {
    "data": {"n": f"db-password={SECRET}", "at": f"token {SECRET}", "list": [SECRET]},
    "status": SECRET, "error": SECRET,
}


class InternalApi(BaseHTTPRequestHandler):
    """Hand-written stub for faults no real tool produces: an internal service that is not a
    tool, whose answers carry secrets in every place a driver might quote."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/api/v1/query_range" and "series" in self.path:
            self._json({"status": "success", "data": {"result": [{"values": [[1, "1"], [2, SECRET]]}]}})
        elif path == "/api/v1/query_range" and "refused" in self.path:
            self._json({"status": "error", "errorType": SECRET, "error": SECRET})
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{SECRET}/")
            self.end_headers()
        elif path == "/encoded":
            body = b"{}"
            self.send_response(200)
            self.send_header("Content-Encoding", SECRET)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self._json(LEAKY)

    def _json(self, document):
        body = json.dumps(document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def internal_api(settings):
    settings.PROBE_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    server = ThreadingHTTPServer(("127.0.0.1", 0), InternalApi)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def banner(settings):
    """A service that does not speak HTTP: it greets every connection with its banner."""
    settings.PROBE_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    stop = threading.Event()

    def serve():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = sock.accept()
            except OSError:
                continue
            connection.sendall(f"SSH-2.0-{SECRET}\r\n".encode())
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join(1)
    sock.close()


@pytest.fixture
def entry(catalog, bob):
    """MLflow, adopted, owned by bob (an evaluator)."""
    return StackEntry.objects.create(tool=Tool.objects.get(name="MLflow"), lifecycle=Lifecycle.ADOPTED, owner=bob)


def probe_run(entry, *, kind, url, params, runs=1) -> Probe:
    Probe.objects.update_or_create(entry=entry, defaults={"kind": kind, "url": url, "params": params})
    for run in range(runs):
        sweep(force=True, tool="MLflow", now=NOW + timedelta(hours=run))
    return Probe.objects.get(entry=entry)


CASES = [
    ("http_json", "/config", {"count_path": "data.n"}, "count_path 'data.n': expected a number, got a string"),
    ("http_json", "/config", {"timestamp_path": "data.at"}, "timestamp_path 'data.at': expected a time"),
    ("http_json", "/config", {"timestamp_path": "data.list"}, "timestamp_path 'data.list': expected a time, got a list"),
    ("http_json", "/config", {"count_path": "data.list.0"}, "count_path 'data.list.0': expected a number"),
    ("prometheus", "", {"query": "up"}, "expected a Prometheus API answer"),
    ("prometheus", "", {"query": "refused"}, "Prometheus refused the request (an unknown errorType)"),
    ("prometheus", "", {"query": "series"}, "[time, number] pairs"),
    ("http_json", "/redirect", {"count_path": "n"}, "redirects to a target no probe may reach (not a valid URL)"),
    ("http_json", "/encoded", {"count_path": "n"}, "neither gzip nor deflate"),
]


@pytest.mark.parametrize("kind, path, params, expected", CASES)
def test_it_names_the_path_and_what_was_expected_never_the_value(entry, internal_api, kind, path, params, expected):
    probe = probe_run(entry, kind=kind, url=internal_api + path, params=params)
    result = ProbeResult.objects.get(probe=probe)
    assert not result.ok
    assert SECRET not in result.error.lower() and SECRET not in probe.last_error.lower()
    assert expected in result.error


def test_a_service_that_does_not_speak_http_keeps_its_banner(entry, banner):
    probe = probe_run(entry, kind="http_json", url=banner + "/", params={"count_path": "n"})
    assert SECRET not in probe.last_error.lower()
    assert "did not answer in HTTP" in probe.last_error or "closed the connection" in probe.last_error


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_viewer_sees_the_health_and_no_error_text(entry, alice, bob, carol, internal_api):
    probe = probe_run(entry, kind="http_json", url=internal_api + "/config", params={"count_path": "data.n"}, runs=3)
    assert probe.consecutive_failures == 3
    error = escape(probe.last_error)
    refresh(now=NOW + timedelta(hours=3))
    viewer = logged_in(carol)

    page = viewer.get(f"/stack/{entry.pk}/").content.decode()
    assert error not in page and SECRET not in page
    assert "failing since" in page and "3 runs in a row" in page
    findings = viewer.get("/findings/").content.decode()
    assert "probe-failing" in findings and error not in findings and SECRET not in findings
    assert probe.last_error not in json.dumps(viewer.get("/api/stack.json").json())
    assert all(probe.last_error not in change.reason for change in entry.usage_changes.all())

    for owner_or_lead in (bob, alice):
        assert error in logged_in(owner_or_lead).get(f"/stack/{entry.pk}/").content.decode()
