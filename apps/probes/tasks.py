import math

from celery import shared_task

from apps.lib.http import TOTAL_TIMEOUT
from apps.probes import services

# A sweep of SWEEP_LIMIT probes on WORKERS threads, every one of them taking the HTTP client's
# whole time bound, with a minute to spare for writing the results.
SOFT_LIMIT = math.ceil(services.SWEEP_LIMIT / services.WORKERS) * TOTAL_TIMEOUT + 60
HARD_LIMIT = SOFT_LIMIT + 60


@shared_task(ignore_result=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def sweep():
    """Every minute: run the probes that are due."""
    services.sweep()


@shared_task(ignore_result=True, soft_time_limit=SOFT_LIMIT, time_limit=HARD_LIMIT)
def probe_now(probe_id: int):
    """The "probe now" button: run one probe whatever its schedule."""
    from apps.probes.models import Probe

    probe = Probe.objects.select_related("entry__tool").filter(pk=probe_id).first()
    if probe is not None:
        services.sweep(force=True, tool=probe.entry.tool.name)


@shared_task(ignore_result=True)
def removal_pipeline():
    services.removal_pipeline()


@shared_task(ignore_result=True)
def weekly_digest():
    services.weekly_digest()


@shared_task(ignore_result=True)
def rollup():
    services.rollup()
