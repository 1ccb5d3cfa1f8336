"""A real Celery round trip: a task through the Redis broker, run by a worker process that
writes to the same PostgreSQL database the test reads."""

import time
import uuid

import pytest

from apps.health.models import Heartbeat
from apps.health.tasks import WORKER, record_heartbeat
from tests.conftest import NOW
from tests.workers import start_worker


@pytest.fixture
def worker(transactional_db):
    with start_worker(f"test-{uuid.uuid4().hex[:8]}") as started:
        yield started


@pytest.mark.slow
def test_a_task_travels_through_redis_to_a_worker_process(worker):
    assert not Heartbeat.objects.exists()
    record_heartbeat.apply_async(queue=worker.queue)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Heartbeat.objects.filter(name=WORKER).exists():
        time.sleep(0.25)
    heartbeat = Heartbeat.objects.filter(name=WORKER).first()
    assert heartbeat is not None, f"the worker did not run the task; it said:\n{worker.output()}"
    assert not heartbeat.is_stale(now=NOW)
