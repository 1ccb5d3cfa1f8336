from celery import shared_task

from apps.probes import services

# Above the HTTP client's own 20 s bound: a sweep of SWEEP_LIMIT probes on WORKERS threads.
SOFT_LIMIT, HARD_LIMIT = 240, 300


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
