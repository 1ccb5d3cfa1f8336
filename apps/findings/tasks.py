from celery import shared_task
from django.utils import timezone

from apps.findings import services


@shared_task(ignore_result=True)
def refresh():
    """After a change to what the rules read, and every ten minutes for the rules that read the
    clock: lint the whole stack and store the findings."""
    services.refresh(timezone.now())
