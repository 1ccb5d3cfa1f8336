"""The Prometheus driver against Debian's Prometheus on loopback, scraping a request counter
that the test serves and moves."""

import ipaddress
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from apps.lib.http import Guard
from apps.probes.drivers import ProbeError, ProbeSpec, read
from tests.probes.servers import prometheus_server

pytestmark = pytest.mark.slow
LOOPBACK = Guard(allowed=(ipaddress.ip_network("127.0.0.0/8"),))


class Metrics(BaseHTTPRequestHandler):
    requests = 0
    scrapes = 0

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).scrapes += 1
        body = (f'http_requests_total{{handler="/predict"}} {type(self).requests}\n'
                "flat_requests_total 7\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def prometheus():
    exporter = ThreadingHTTPServer(("127.0.0.1", 0), Metrics)
    threading.Thread(target=exporter.serve_forever, daemon=True).start()
    try:
        with prometheus_server(f"127.0.0.1:{exporter.server_address[1]}", retention="1d") as url:
            scraped = 0
            for _ in range(40):  # the served model takes requests while Prometheus scrapes it
                Metrics.requests += 5
                time.sleep(1)
                scraped += 1 if Metrics.scrapes >= 4 else 0
                if scraped >= 4:
                    break
            yield url
    finally:
        exporter.shutdown()


def test_a_counter_that_moved_is_activity(prometheus):
    now = timezone.now()
    reading = read(ProbeSpec(kind="prometheus", url=prometheus, now=now, window=timedelta(minutes=2),
                             params={"preset": "fastapi", "step_seconds": 1}, guard=LOOPBACK))
    assert reading.activity_count >= 2
    assert now - timedelta(seconds=30) < reading.last_activity_at <= now


def test_a_flat_counter_without_enough_history_is_not_called_unused(prometheus):
    with pytest.raises(ProbeError, match="not enough history: retention 1 days does not cover the 90-day window"):
        read(ProbeSpec(kind="prometheus", url=prometheus, now=timezone.now(), window=timedelta(days=90),
                       params={"query": "sum(flat_requests_total)"}, guard=LOOPBACK))


def test_a_bad_query_is_a_permanent_error(prometheus):
    with pytest.raises(ProbeError) as error:
        read(ProbeSpec(kind="prometheus", url=prometheus, now=timezone.now(), window=timedelta(minutes=5),
                       params={"query": "sum(("}, guard=LOOPBACK))
    assert error.value.permanent
