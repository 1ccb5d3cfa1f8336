"""A real Celery worker process for the tests that need one: it takes tasks from Redis and writes
to the same PostgreSQL database the test reads."""

import os
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.conftest import needs_service

ROOT = Path(__file__).resolve().parents[1]


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


@contextmanager
def start_worker(queue: str, *, purge: bool = False):
    """A worker on `queue`; `purge` first drops what earlier tests left there (a shared queue
    such as the default one)."""
    if connection.vendor != "postgresql":
        needs_service("a worker process shares the test database only on PostgreSQL")
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        needs_service("CELERY_BROKER_URL must point at Redis")
    if purge:
        from apps.celery import app

        with app.connection_for_write() as broker:
            broker.default_channel.queue_purge(queue)
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "apps", "worker", "--pool=solo", "--queues", queue,
         "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        yield Worker(queue, process)
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Ask a process to end; kill it if it has not within 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
