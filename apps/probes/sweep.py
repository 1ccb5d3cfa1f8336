"""Running probes: the sweep, what each run records, and the daily roll-up of old results.

`sweep` is the scheduled job and the `probe` command alike: it claims due probes with a
conditional UPDATE (so overlapping beats or workers never run one twice), reads them on a
thread pool (network only, no database), then records each result in the calling thread,
idempotently: a run already recorded is not recorded, evaluated or emailed again. A run that
changes a tool's usage state hands an unused tool to the removal pipeline (`removal`).
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum

from apps.lib import crypto
from apps.lib.changes import one_change
from apps.lib.http import default_guard
from apps.probes import drivers
from apps.probes.drivers import ProbeError, ProbeSpec, Reading
from apps.probes.models import Kind, Probe, ProbeDay, ProbeResult, SweepRun
from apps.probes.removal import ask_owner, is_snoozed
from apps.probes.usage import judge, unused_after
from apps.stack.models import IN_USE, Lifecycle, StackEntry, UsageChange, UsageState
from apps.stack.signals import tell_entry_edited

log = logging.getLogger(__name__)

SWEEP_LIMIT = 2000  # probes claimed by one sweep; the next takes the rest
WORKERS = 128  # probes are I/O: threads wait on the network, so hanging targets wait side by side
RAW_RESULTS_KEPT = timedelta(days=30)


@dataclass
class Run:
    """One probe run as the command prints it."""

    probe: Probe
    result: ProbeResult
    state: str


def claim_due(*, now, force: bool = False, tool: str | None = None, limit: int = SWEEP_LIMIT) -> list[tuple[int, str]]:
    """(probe id, run key) of the probes this caller may run. The run key is the claimed
    next_run_at, so a redelivered task for the same run finds its result already there. Demo
    probes are never run: no server answers them, and a failure there says nothing of the tool."""
    probes = Probe.objects.filter(enabled=True, demo=False, entry__lifecycle__in=[*IN_USE, Lifecycle.EVALUATING])
    if tool:
        probes = probes.filter(entry__tool__name__iexact=tool)
    if not force:
        probes = probes.filter(next_run_at__lte=now)
    claimed = []
    for pk, next_run_at, minutes in probes.order_by("next_run_at").values_list(
        "pk", "next_run_at", "interval_minutes"
    )[:limit]:
        moved = Probe.objects.filter(pk=pk, next_run_at=next_run_at).update(
            next_run_at=now + timedelta(minutes=minutes)
        )
        if moved:
            claimed.append((pk, next_run_at.isoformat()))
    return claimed


def sweep(*, now, force: bool = False, tool: str | None = None, workers: int = WORKERS) -> list[Run]:
    started = time.monotonic()
    claimed = dict(claim_due(now=now, force=force, tool=tool))
    probes = list(
        Probe.objects.filter(pk__in=claimed).select_related("entry__tool", "entry__owner")
        .prefetch_related("entry__tool__categories")
    )
    guard = default_guard()
    runs = []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(probes) or 1))) as pool, one_change():
        reading_of = {pool.submit(read, spec_for(probe, now, guard)): probe for probe in probes}
        for done in as_completed(reading_of):  # record each as it arrives: a slow one holds none back
            probe = reading_of[done]
            reading, error, _, latency = done.result()
            result = record(probe, run_key=claimed[probe.pk], now=now, reading=reading, error=error, latency_ms=latency)
            probe.entry.refresh_from_db(fields=["usage_state"])
            runs.append(Run(probe, result, probe.entry.usage_state))
    if tool is None:  # a scheduled sweep, not one tool's "probe now"
        SweepRun.record(started_at=now, seconds=time.monotonic() - started, probes=len(runs))
    return sorted(runs, key=lambda run: run.probe.entry.tool.name.lower())


def spec_for(probe: Probe, now, guard) -> ProbeSpec | ProbeError:
    """What the driver needs; a credential no key decrypts fails the run, loudly."""
    try:
        credential = probe.credential()
    except crypto.WrongKey as wrong:
        return ProbeError(str(wrong), permanent=True)
    return ProbeSpec(
        kind=probe.kind, url=probe.url, now=now, window=unused_after(probe.entry, probe),
        params=dict(probe.params), credential=credential, guard=guard,
    )


def read(spec: ProbeSpec | ProbeError) -> tuple[Reading | None, str, bool, int]:
    """(reading, error text, permanent, latency in ms) of one probe. No database here.
    Heartbeat and manual probes have nothing to ask: `record` reads what they were told."""
    started = time.monotonic()
    try:
        if isinstance(spec, ProbeError):
            raise spec
        if spec.kind in (Kind.HEARTBEAT, Kind.MANUAL):
            return Reading(None, None), "", False, 0
        reading = drivers.read(spec)
        return reading, "", False, int((time.monotonic() - started) * 1000)
    except ProbeError as error:
        return None, str(error), error.permanent, int((time.monotonic() - started) * 1000)
    except Exception as error:  # a driver bug must not stop the sweep
        # The exception's text may quote what the tool answered: it goes to the log, and the
        # error the pages show names only its kind.
        log.exception("Probe driver %s failed", spec.kind)
        message = f"the {spec.kind} driver could not read the answer ({type(error).__name__}); the worker log has the details"
        return None, message, False, int((time.monotonic() - started) * 1000)


def told_reading(probe: Probe) -> Reading:
    """Heartbeat and manual probes are told, not asked: their last ping or attestation."""
    last = probe.last_ping_at if probe.kind == Kind.HEARTBEAT else probe.attested_at
    return Reading(last_activity_at=last, activity_count=None)


@transaction.atomic
def record(probe: Probe, *, run_key: str, now, reading: Reading | None = None, error: str = "", latency_ms: int = 0) -> ProbeResult:
    """Write one run's result and what follows from it, exactly once per run key."""
    if probe.kind in (Kind.HEARTBEAT, Kind.MANUAL) and not error:
        reading = told_reading(probe)
    try:
        with transaction.atomic():
            result = ProbeResult.objects.create(
                probe=probe, run_key=run_key, at=now, ok=reading is not None,
                last_activity_at=reading and reading.last_activity_at,
                activity_count=reading and reading.activity_count, latency_ms=latency_ms, error=error[:2000],
            )
    except IntegrityError:  # this run was recorded already (a redelivered task)
        return ProbeResult.objects.get(probe=probe, run_key=run_key)
    probe = Probe.objects.select_for_update().get(pk=probe.pk)
    entry = StackEntry.objects.select_for_update(of=("self",)).select_related("tool", "owner").get(pk=probe.entry_id)
    probe.last_run_at = now
    if reading is not None:
        probe.last_ok_at, probe.last_error, probe.consecutive_failures = now, "", 0
        seen = reading.last_activity_at
        if seen is None and reading.activity_count:
            seen = now  # activity in the window, of unknown time: count it as seen now
        seen = min(seen, now) if seen else None  # a clock ahead of ours does not keep a tool active
        if seen and (not entry.last_activity_at or seen > entry.last_activity_at):
            entry.last_activity_at = seen
            entry.save(update_fields=["last_activity_at"])
    else:
        probe.last_error, probe.consecutive_failures = error, probe.consecutive_failures + 1
    probe.save(update_fields=["last_run_at", "last_ok_at", "last_error", "consecutive_failures"])
    # Only a reading can say a tool is unused; a failed run changes nothing until failures
    # make its use unknown.
    if reading is not None or probe.consecutive_failures >= probe.failures_before_unknown:
        usage_update(entry, probe, now)
    return result


def usage_update(entry: StackEntry, probe: Probe | None, now) -> None:
    """Judge the entry's usage again; record a change and start the removal pipeline."""
    judgement = judge(entry, probe, now)
    if judgement.state == entry.usage_state:
        return
    UsageChange.objects.create(entry=entry, at=now, from_state=entry.usage_state, to_state=judgement.state, reason=judgement.reason)
    entry.usage_state, entry.usage_since = judgement.state, now
    fields = ["usage_state", "usage_since"]
    if judgement.state in (UsageState.ACTIVE, UsageState.IDLE):
        entry.removal_asked_at = None
        fields.append("removal_asked_at")
    if judgement.state == UsageState.UNUSED and entry.lifecycle == Lifecycle.ADOPTED and not is_snoozed(entry, now):
        ask_owner(entry, now=now, reason=judgement.reason)
        fields.append("removal_asked_at")
    entry.save(update_fields=fields)


def rollup(*, now) -> int:
    """Fold raw results older than 30 days into one row a day, then delete them."""
    old = ProbeResult.objects.filter(at__lt=now - RAW_RESULTS_KEPT)
    days = (
        old.values("probe_id", "at__date")
        .annotate(runs=Count("id"), failures=Count("id", filter=Q(ok=False)), activity=Sum("activity_count"),
                  last=Max("last_activity_at"))
    )
    with transaction.atomic():
        for day in days:
            row, _ = ProbeDay.objects.select_for_update().get_or_create(probe_id=day["probe_id"], day=day["at__date"])
            row.runs += day["runs"]
            row.failures += day["failures"]
            if day["activity"] is not None:
                row.activity_count = (row.activity_count or 0) + day["activity"]
            if day["last"] and (not row.last_activity_at or day["last"] > row.last_activity_at):
                row.last_activity_at = day["last"]
            row.save()
        deleted, _ = old.delete()
    return deleted


# What a person asks of one probe -----------------------------------------------------------

def heartbeat(token: str, *, now) -> bool:
    """The tool or its cron job says it ran, by its heartbeat URL (or through the API): the
    probe's next run reads this ping. False when no heartbeat probe has the token (a rotated
    or mistyped URL)."""
    return bool(token) and bool(
        Probe.objects.filter(heartbeat_token=token, kind=Kind.HEARTBEAT).update(last_ping_at=now)
    )


def attest(probe: Probe, *, by, now) -> list[Run]:
    """The owner (or a lead) says a manually watched tool is still in use: that is the probe's
    reading, recorded at once."""
    probe.attested_at, probe.attested_by, probe.next_run_at = now, by, now
    probe.save(update_fields=["attested_at", "attested_by", "next_run_at"])
    runs = sweep(now=now, force=True, tool=probe.entry.tool.name)
    tell_entry_edited(probe.entry, now=now)
    return runs


def probe_save(form, *, now) -> Probe:
    """Save a probe's settings from its form; it runs at the next sweep, within a minute."""
    probe = form.save(commit=False)
    probe.next_run_at = now
    probe.save()
    tell_entry_edited(probe.entry, now=now)
    return probe
