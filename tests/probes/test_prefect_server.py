"""The Prefect driver against a real Prefect server on loopback."""

import ipaddress
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.lib.http import Guard
from apps.probes.drivers import ProbeSpec, read
from apps.probes.drivers.timestamps import to_utc
from tests.probes.servers import prefect_server

pytestmark = pytest.mark.slow
LOOPBACK = Guard(allowed=(ipaddress.ip_network("127.0.0.0/8"),))


def call(url, path, payload):
    request = urllib.request.Request(f"{url}/api/{path}", data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    for _ in range(40):  # a busy machine: the server may still be warming its database
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code != 503:
                raise
            time.sleep(0.5)
    raise AssertionError(f"Prefect kept answering 503 to {path}")


def test_it_reads_the_newest_flow_run_and_the_count_in_the_window():
    with prefect_server() as url:
        flow = call(url, "flows/", {"name": "retrain-churn"})["id"]
        runs = [call(url, "flow_runs/", {"flow_id": flow, "state": {"type": "RUNNING"}}) for _ in range(3)]
        call(url, "flow_runs/", {"flow_id": flow, "state": {"type": "SCHEDULED"}})  # never started
        newest = max(to_utc(run["start_time"]) for run in runs)
        reading = read(ProbeSpec(kind="prefect", url=url, now=timezone.now() + timedelta(seconds=1),
                                 window=timedelta(days=90), guard=LOOPBACK))
        assert reading.last_activity_at == newest
        assert reading.activity_count == 3
