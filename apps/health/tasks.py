from celery import shared_task
from django.utils import timezone

from apps.health.models import Heartbeat

WORKER = "worker"


@shared_task
def record_heartbeat():
    """Scheduled every minute: record that beat and a worker are both running."""
    Heartbeat.beat(WORKER, timezone.now())
