import math

from celery import shared_task
from django.utils import timezone

from apps.lib.http import TOTAL_TIMEOUT
from apps.probes import removal
from apps.probes import sweep as sweeping

# A sweep of SWEEP_LIMIT probes on WORKERS threads, every one of them taking the HTTP client's
# whole time bound, with a minute to spare for writing the results.
SOFT_LIMIT = math.ceil(sweeping.SWEEP_LIMIT / sweeping.WORKERS) * TOTAL_TIMEOUT + 60
HARD_LIMIT = SOFT_LIMIT + 60


@shared_task(ignore_result=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def sweep():
    """Every minute: run the probes that are due."""
    sweeping.sweep(now=timezone.now())


@shared_task(ignore_result=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def probe_now(probe_id: int):
    """The "probe now" button: run one probe whatever its schedule."""
    from apps.probes.models import Probe

    probe = Probe.objects.select_related("entry__tool").filter(pk=probe_id).first()
    if probe is not None:
        sweeping.sweep(now=timezone.now(), force=True, tool=probe.entry.tool.name)


@shared_task(ignore_result=True)
def removal_pipeline():
    removal.removal_pipeline(now=timezone.now())


@shared_task(ignore_result=True)
def weekly_digest():
    removal.weekly_digest(now=timezone.now())


@shared_task(ignore_result=True)
def rollup():
    sweeping.rollup(now=timezone.now())
