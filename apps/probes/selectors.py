"""What the pages show of a probe: its health, its recent errors, its activity trend (drawn by
apps.lib.charts.sparkline)."""

from datetime import timedelta

from django.db import models
from django.db.models import Max, Min

from apps.probes.models import ProbeDay, ProbeResult

TREND_DAYS = 90


def activity_trend(probe, now, days: int = TREND_DAYS) -> list[int | None]:
    """Activity a day over the last `days` days, oldest first; None where no probe run succeeded."""
    return activity_trends([probe.pk], now=now, days=days)[probe.pk]


def activity_trends(probe_ids, now, days: int = TREND_DAYS) -> dict[int, list[int | None]]:
    """`activity_trend` for many probes at once, in two queries.

    A day counts the activity the usage state counts: the most activity a run reported that
    day, and at least one on any day a run saw the last activity happen (a heartbeat, an
    attestation, a tool that reports times but no counts)."""
    start = (now - timedelta(days=days - 1)).date()
    by_day = {probe_id: {} for probe_id in probe_ids}

    def seen(probe_id, day, count, last_activity_at):
        days_seen = by_day[probe_id]
        if day >= start:
            days_seen[day] = max(days_seen.get(day) or 0, count or 0)
        if last_activity_at is not None:
            active_day = last_activity_at.date()
            if start <= active_day <= now.date():
                days_seen[active_day] = max(days_seen.get(active_day) or 0, 1)

    raw = (
        ProbeResult.objects.filter(probe_id__in=probe_ids, at__date__gte=start, ok=True)
        .values_list("probe_id", "at__date").annotate(Max("activity_count"), Max("last_activity_at")).order_by()
    )
    for probe_id, day, count, last_activity_at in raw:
        seen(probe_id, day, count, last_activity_at)
    rolled_up = ProbeDay.objects.filter(probe_id__in=probe_ids, day__gte=start, runs__gt=0).exclude(
        runs=models.F("failures"))
    for probe_id, day, count, runs, last_activity_at in rolled_up.values_list(
            "probe_id", "day", "activity_count", "runs", "last_activity_at"):
        if day not in by_day[probe_id]:
            seen(probe_id, day, (count or 0) // runs, last_activity_at)
    return {
        probe_id: [days_seen.get(start + timedelta(days=n)) for n in range(days)]
        for probe_id, days_seen in by_day.items()
    }


def recent_errors(probe, limit: int = 5) -> list[ProbeResult]:
    """The latest failed runs with their error texts: for the owner and leads only (every
    role sees `failing_since` and the count of failures instead)."""
    return list(ProbeResult.objects.filter(probe=probe, ok=False).order_by("-at")[:limit])


def failing_since(probe):
    """When the probe's current run of failures began; None while it works. Failures older
    than the raw results kept fall back to the last success (or the probe's creation)."""
    if not probe.is_failing:
        return None
    failures = ProbeResult.objects.filter(probe=probe, ok=False)
    if probe.last_ok_at:
        failures = failures.filter(at__gt=probe.last_ok_at)
    first = failures.aggregate(first=Min("at"))["first"]
    return first or probe.last_ok_at or probe.created_at
