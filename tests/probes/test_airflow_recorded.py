"""The Airflow driver against answers recorded from real Airflow 2.10 and 3.3 servers
(tests/probes/recorded/airflow: how they were recorded, and the runs they hold).

A replay server answers each request the driver makes with what the real server answered to
that same request; a request nobody recorded gets a 404, so the driver must ask exactly what
was asked of the real servers."""

import gzip
import ipaddress
import json
import threading
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from apps.lib.http import Guard
from apps.probes.drivers import ProbeError, ProbeSpec, read

RECORDED = Path(__file__).parent / "recorded" / "airflow"
FOLDERS = ["airflow-2.10.5", "airflow-3.3.2", "airflow-2.10.5-postgres-queued", "airflow-3.3.2-postgres-queued"]
NOW = datetime(2026, 11, 14, tzinfo=UTC)  # with a 30-day window, the runs since 15 October
LOOPBACK = Guard(allowed=(ipaddress.ip_network("127.0.0.0/8"),))


def exchange(folder: str, name: str) -> dict:
    return json.loads((RECORDED / folder / f"{name}.json").read_text())


class Replay(BaseHTTPRequestHandler):
    answers: dict = {}

    def log_message(self, *args):
        pass

    def _answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        response = self.answers.get((self.command, self.path))
        if response is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = response["body"].encode()
        if response["headers"].get("content-encoding") == "gzip":
            body = gzip.compress(body)
        self.send_response(response["status"])
        for header in ("content-type", "content-encoding"):
            if header in response["headers"]:
                self.send_header(header, response["headers"][header])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer


@pytest.fixture
def replay():
    """Start a replay server for the given exchanges ({(method, path): response}); yields a
    function that takes them and returns the server's base URL."""
    servers = []

    def start(answers: dict) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (Replay,), {"answers": answers}))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def answers(folder: str, *names: str, respond_with: dict | None = None) -> dict:
    """The recorded exchanges by request; `respond_with` swaps the answer of a named exchange."""
    table = {}
    for name in names:
        recorded = exchange(folder, name)
        request = recorded["request"]
        table[(request["method"], request["path"])] = (respond_with or {}).get(name, recorded["response"])
    return table


def spec(url: str, now: datetime = NOW) -> ProbeSpec:
    return ProbeSpec(kind="airflow", url=url, now=now, window=timedelta(days=30), params={"username": "stackledger"},
                     credential="s3cret", guard=LOOPBACK)


@pytest.mark.parametrize("folder", FOLDERS)
def test_the_newest_started_run_and_the_runs_in_the_window(replay, folder):
    url = replay(answers(folder, "auth-token", "newest", "in-window"))
    reading = read(spec(url))
    assert reading.last_activity_at == datetime(2026, 10, 30, 4, 0, 0, 123456, tzinfo=UTC)
    assert reading.activity_count == 2


def test_a_window_in_another_time_zone_is_asked_in_utc(replay):
    url = replay(answers("airflow-3.3.2", "auth-token", "newest", "in-window"))
    paris = NOW.astimezone(timezone(timedelta(hours=1)))
    assert read(spec(url, now=paris)).activity_count == 2


@pytest.mark.parametrize("folder", ["airflow-2.10.5", "airflow-3.3.2"])
def test_a_wrong_password_is_a_permanent_error(replay, folder):
    # Airflow 3 refuses the token; Airflow 2 has no token endpoint and refuses the basic auth.
    wrong = {"auth-token": exchange(folder, "auth-token-wrong-password")["response"],
             "newest": exchange(folder, "wrong-password")["response"]}
    url = replay(answers(folder, "auth-token", "newest", respond_with=wrong))
    with pytest.raises(ProbeError) as error:
        read(spec(url))
    assert error.value.permanent
    assert "401" in str(error.value) and "s3cret" not in str(error.value)
