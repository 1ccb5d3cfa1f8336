from celery import shared_task
from django.utils import timezone

from apps.reviews.services import review_reminders


@shared_task(ignore_result=True)
def send_reminders():
    """Daily: leads hear of a review 14 days and 1 day before it."""
    review_reminders(now=timezone.now())
