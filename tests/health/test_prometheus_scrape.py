"""Debian's Prometheus scrapes Stackledger's /metrics on loopback: with the metrics token it
reads the figures; without it (the job "serving" here) the scrape is refused."""

import json
import time
import urllib.parse
import urllib.request

import pytest

from apps.notifications.models import Notification
from tests.probes.servers import prometheus_server

pytestmark = pytest.mark.slow
TOKEN = "a-long-metrics-token"


def query(prometheus: str, expression: str) -> dict:
    """label set -> value of an instant query."""
    url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
    with urllib.request.urlopen(url, timeout=5) as response:
        result = json.load(response)["data"]["result"]
    return {tuple(sorted(r["metric"].items())): float(r["value"][1]) for r in result}


def test_prometheus_scrapes_with_the_token_and_not_without(live_server, settings, transactional_db):
    settings.METRICS_TOKEN = TOKEN
    for key in ("a", "b", "c"):
        Notification.objects.create(key=key, to=["a@example.com"], subject="s", text="t")
    target = live_server.url.removeprefix("http://")
    jobs = (f"  - job_name: stackledger\n    metrics_path: /metrics\n    authorization: {{credentials: {TOKEN}}}\n"
            f"    static_configs:\n      - targets: ['{target}']\n")
    with prometheus_server(target, retention="1d", jobs=jobs) as prometheus:
        up = {}
        for _ in range(60):
            up = {dict(labels)["job"]: value for labels, value in query(prometheus, "up").items()}
            if {"stackledger", "serving"} <= set(up) and query(prometheus, "stackledger_outbox_depth"):
                break
            time.sleep(0.5)
        assert up == {"stackledger": 1.0, "serving": 0.0}  # "serving" scrapes /metrics with no token
        depth = query(prometheus, "stackledger_outbox_depth")
        assert list(depth.values()) == [3.0] and dict(next(iter(depth)))["job"] == "stackledger"
        assert query(prometheus, 'stackledger_probe_runs_total{kind="mlflow"}')
