"""How the demo tools were used, as their probes saw it. `seed_demo` plays each tool's own
server and hands what it would have answered to the sweep's own bookkeeping, so the usage
states, the state changes, the activity sparklines and the removal pipeline are the product's
reading of that history, not states written in.

The sweep records (`record`) a probe's first run, each attestation of a manual probe, and one
run a week over the last RECORDED_DAYS, the removal pipeline passing after each week's; the
other runs are written as the sweep leaves them (raw results for the last 30 days, daily
roll-ups before: apps.demo.scale writes both for generated teams too); then the results older
than the sweep keeps raw are rolled up, as the nightly job does. What the removal pipeline
emailed before `now` was sent then."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F

from apps.demo.scale import raw_results, rolled_up
from apps.lib.changes import one_change
from apps.notifications.models import Notification
from apps.probes.drivers import Reading
from apps.probes.models import Kind, Probe, ProbeDay, ProbeResult
from apps.probes.removal import removal_pipeline
from apps.probes.sweep import RAW_RESULTS_KEPT, record, rollup

RECORDED_DAYS = 91  # thirteen weeks
WEEK = 7


@dataclass(frozen=True)
class Use:
    """A demo tool's use: its probe first ran `since` days ago; the tool saw about `per_day`
    activities a day until `quiet` days ago (0: until today); for a manual probe, the days ago
    its owner attested it in use."""

    since: int
    per_day: int = 0
    quiet: int = 0
    attested: tuple[int, ...] = ()


USE = {
    "MLflow": Use(since=400, per_day=14),  # every training run is logged
    "Airflow": Use(since=280, per_day=6),  # the retraining DAGs
    "Prometheus": Use(since=370, per_day=40),  # scrapes of the prediction services
    "Grafana": Use(since=370, attested=(280, 100)),  # the lead attests it now and then
    "Weights & Biases": Use(since=400, per_day=9, quiet=135),  # nobody has logged a run since MLflow took over
}


def activity(name: str, use: Use, days_ago: int, *, now) -> int | None:
    """How many activities a run that day counted: fewer at weekends, none once the tool went
    quiet; None for a manual probe, which counts nothing."""
    if not use.per_day:
        return None
    if days_ago < use.quiet:
        return 0
    day = (now - timedelta(days=days_ago)).date()
    count = random.Random(f"{name} {day}").randint(use.per_day // 2, use.per_day * 3 // 2)
    return max(1, count // 3) if day.weekday() >= 5 else count


def last_activity(use: Use, days_ago: int, *, now) -> datetime | None:
    """The last activity a run that day saw: in the hour before it, the last busy day's, or
    for a manual probe the owner's latest attestation."""
    if not use.per_day:
        done = [d for d in use.attested if d >= days_ago]
        return now - timedelta(days=min(done)) if done else None
    return now - timedelta(days=max(days_ago, use.quiet), hours=1)


def replay(now, *, lead) -> None:
    """Write the demo probes' history up to `now` through the sweep's bookkeeping."""
    probes = {
        probe.entry.tool.name: probe
        for probe in Probe.objects.select_related("entry__tool").filter(entry__tool__name__in=USE).order_by("pk")
    }
    weekly = set(range(0, RECORDED_DAYS + 1, WEEK))
    recorded = {name: {use.since, *use.attested, *(d for d in weekly if d < use.since)} for name, use in USE.items()}
    with one_change():  # one change for the linter, told once it is all written
        for name, probe in probes.items():
            Probe.objects.filter(pk=probe.pk).update(created_at=now - timedelta(days=USE[name].since))
            written(name, probe, [d for d in range(USE[name].since) if d not in recorded[name]], now=now)
        for days_ago in sorted(set().union(*recorded.values()), reverse=True):
            for name, probe in probes.items():
                if days_ago in recorded[name]:
                    run(name, probe, days_ago, now=now, lead=lead)
            if days_ago in weekly:
                removal_pipeline(now=now - timedelta(days=days_ago))
        rollup(now=now)
    Notification.objects.filter(sent_at__isnull=True, created_at__lt=now).update(sent_at=F("created_at"))


def written(name: str, probe: Probe, days_ago: list[int], *, now) -> None:
    """The runs of those days as the sweep leaves them: raw results for the last 30 days,
    daily roll-ups before."""
    use = USE[name]

    def seen(day):
        return activity(name, use, day, now=now), last_activity(use, day, now=now)

    raw = [d for d in days_ago if d < RAW_RESULTS_KEPT.days]
    ProbeResult.objects.bulk_create(raw_results(probe, raw, now=now, activity=seen, per_day=1))
    old = [d for d in days_ago if d >= RAW_RESULTS_KEPT.days]
    ProbeDay.objects.bulk_create(rolled_up(probe, old, now=now, activity=seen, runs=1))


def run(name: str, probe: Probe, days_ago: int, *, now, lead) -> None:
    """The probe's run that day, through the sweep's bookkeeping; a manual probe's reads the
    owner's attestation, given that day as `attest` gives one."""
    at = now - timedelta(days=days_ago)
    use = USE[name]
    if probe.kind == Kind.MANUAL and days_ago in use.attested:
        probe.attested_at, probe.attested_by = at, lead
        probe.save(update_fields=["attested_at", "attested_by"])
    reading = Reading(last_activity(use, days_ago, now=now), activity(name, use, days_ago, now=now))
    record(probe, run_key=at.isoformat(), now=at, reading=reading)
