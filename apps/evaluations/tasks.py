from celery import shared_task
from django.utils import timezone

from apps.evaluations.services import trial_states_refresh


@shared_task(ignore_result=True)
def refresh_trials():
    """Daily: trials follow the calendar; owners of overdue ones get one reminder a day."""
    trial_states_refresh(now=timezone.now())
