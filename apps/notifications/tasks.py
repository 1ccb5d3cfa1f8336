from celery import shared_task
from django.utils import timezone

from apps.notifications.services import send_due


@shared_task(ignore_result=True)
def send_notifications():
    """Every minute, and right after an email is queued: send what is due."""
    send_due(now=timezone.now())
