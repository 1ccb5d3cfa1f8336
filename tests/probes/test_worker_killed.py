"""A real Celery worker killed in the middle of a sweep leaves no duplicate result and no
duplicate email: the next sweep records each run once."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.catalog.models import Tool
from apps.catalog.seed import load_seed_catalogue
from apps.notifications.models import Notification
from apps.probes.models import Probe, ProbeResult
from apps.probes.sweep import sweep
from apps.stack.models import Lifecycle, StackEntry, UsageState
from tests.conftest import needs_service
from tests.probes.stubs import faulty_server
from tests.workers import database_url

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_killed_mid_sweep_leaves_no_duplicates(transactional_db, alice, settings_loopback):
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis://"):
        needs_service("a worker process needs the test database on PostgreSQL and a Redis broker")
    load_seed_catalogue()
    now = timezone.now()
    with faulty_server() as (url, handler):
        hanging = StackEntry.objects.create(tool=Tool.objects.get(name="Airflow"), lifecycle=Lifecycle.ADOPTED, owner=alice)
        Probe.objects.create(entry=hanging, kind="http_json", url=f"{url}/hang", params={"count_path": "n"}, next_run_at=now)
        quiet = StackEntry.objects.create(tool=Tool.objects.get(name="Grafana"), lifecycle=Lifecycle.ADOPTED, owner=alice)
        heartbeat = Probe.objects.create(entry=quiet, kind="heartbeat", next_run_at=now, unused_after_days=30)
        Probe.objects.filter(pk=heartbeat.pk).update(last_ping_at=now - timedelta(days=60), created_at=now - timedelta(days=90))

        queue = f"test-{uuid.uuid4().hex[:8]}"
        env = {**os.environ, "DATABASE_URL": database_url(), "PROBE_ALLOWED_NETWORKS": "127.0.0.0/8"}
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "apps", "worker", "--pool=solo", "--queues", queue,
             "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            from apps.probes.tasks import sweep as sweep_task

            sweep_task.apply_async(queue=queue)
            deadline = time.monotonic() + 60
            answered = ProbeResult.objects.filter(probe=heartbeat)
            while (handler.connections == 0 or not answered.exists()) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert handler.connections == 1, "the worker never reached the hanging probe"
        finally:
            os.killpg(worker.pid, signal.SIGKILL)  # mid-sweep: the hanging probe is being read
            worker.wait(timeout=10)

        # The killed sweep recorded the heartbeat (it had answered) and not the hanging probe.
        assert list(ProbeResult.objects.values_list("probe__entry__tool__name", flat=True)) == ["Grafana"]
        assert Notification.objects.filter(key__startswith=f"unused:{quiet.pk}:").count() == 1
        later = now + timedelta(hours=2)
        Probe.objects.filter(entry=hanging).update(url=f"{url}/fine")
        sweep(now=later)  # the next scheduled sweep runs both again
        sweep(now=later)  # an overlapping sweep finds nothing due
        sweep(now=later + timedelta(minutes=1))
    runs = list(ProbeResult.objects.values_list("probe__entry__tool__name", "run_key"))
    assert len(runs) == len(set(runs)) == 3  # Grafana twice (two runs), Airflow once; no run twice
    assert StackEntry.objects.get(pk=quiet.pk).usage_state == UsageState.UNUSED
    assert Notification.objects.filter(key__startswith=f"unused:{quiet.pk}:").count() == 1  # one email


@pytest.fixture
def settings_loopback(settings):
    settings.PROBE_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    return settings
