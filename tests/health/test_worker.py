"""A real Celery round trip: a task through the Redis broker, run by a worker process that
writes to the same PostgreSQL database the test reads."""

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from apps.health.models import Heartbeat
from apps.health.tasks import WORKER, record_heartbeat
from tests.conftest import needs_service

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Worker:
    queue: str
    process: subprocess.Popen

    def output(self) -> str:
        self.process.terminate()
        return self.process.communicate(timeout=20)[0]


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db):
    if connection.vendor != "postgresql":
        needs_service("a worker process shares the test database only on PostgreSQL")
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        needs_service("CELERY_BROKER_URL must point at Redis")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "apps", "worker", "--pool=solo", "--queues", queue,
         "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    yield Worker(queue, process)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.slow
def test_a_task_travels_through_redis_to_a_worker_process(worker):
    assert not Heartbeat.objects.exists()
    record_heartbeat.apply_async(queue=worker.queue)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not Heartbeat.objects.filter(name=WORKER).exists():
        time.sleep(0.25)
    heartbeat = Heartbeat.objects.filter(name=WORKER).first()
    assert heartbeat is not None, f"the worker did not run the task; it said:\n{worker.output()}"
    assert not heartbeat.is_stale()
