from celery import shared_task
from django.utils import timezone

from apps.discovery import services


@shared_task(soft_time_limit=30 * 60, time_limit=31 * 60)
def discover(names: list[str] | None = None) -> dict:
    """Read the discovery sources (beat: daily); what each found, by tool name."""
    outcomes = services.discover(now=timezone.now(), names=names)
    return {o.source.name: o.error or sorted(tool.name for tool in o.found) for o in outcomes}
