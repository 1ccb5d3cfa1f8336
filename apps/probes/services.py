"""Running probes and what follows from them: results, usage states, the removal pipeline.

`sweep` is the scheduled job and the `probe` command alike: it claims due probes with a
conditional UPDATE (so overlapping beats or workers never run one twice), reads them on a
thread pool (network only, no database), then records each result in the calling thread,
idempotently: a run already recorded is not recorded, evaluated or emailed again.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import GROUP_NAMES, LEAD
from apps.lib import crypto
from apps.lib.changes import one_change
from apps.lib.http import default_guard
from apps.notifications.services import notify
from apps.probes import drivers
from apps.probes.drivers import ProbeError, ProbeSpec, Reading
from apps.probes.models import Kind, Probe, ProbeDay, ProbeResult
from apps.probes.usage import judge, unused_after
from apps.stack.models import (
    IN_USE,
    Lifecycle,
    StackEntry,
    TransitionError,
    UsageChange,
    UsageState,
)

log = logging.getLogger(__name__)

SWEEP_LIMIT = 2000  # probes claimed by one sweep; the next takes the rest
WORKERS = 128  # probes are I/O: threads wait on the network, so hanging targets wait side by side
GRACE = timedelta(days=30)  # from asking the owner to flagging for removal
PLANNED_REMOVAL = timedelta(days=30)  # from flagging to the planned removal date
FAILING_FOR = timedelta(days=2)  # a probe failing this long gets its owner an email
RAW_RESULTS_KEPT = timedelta(days=30)
ANSWER_SALT = "stackledger.usage-answer"
ANSWER_MAX_AGE = 60 * 60 * 24 * 60  # a link in the email works for 60 days


@dataclass
class Run:
    """One probe run as the command prints it."""

    probe: Probe
    result: ProbeResult
    state: str


# Running probes ---------------------------------------------------------------------------

def claim_due(*, now, force: bool = False, tool: str | None = None, limit: int = SWEEP_LIMIT) -> list[tuple[int, str]]:
    """(probe id, run key) of the probes this caller may run. The run key is the claimed
    next_run_at, so a redelivered task for the same run finds its result already there."""
    probes = Probe.objects.filter(enabled=True, entry__lifecycle__in=[*IN_USE, Lifecycle.EVALUATING])
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


def sweep(*, now=None, force: bool = False, tool: str | None = None, workers: int = WORKERS) -> list[Run]:
    now = now or timezone.now()
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
        log.exception("Probe driver %s failed", spec.kind)
        return None, f"{type(error).__name__}: {error}", False, int((time.monotonic() - started) * 1000)


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
    verdict = judge(entry, probe, now)
    if verdict.state == entry.usage_state:
        return
    UsageChange.objects.create(entry=entry, at=now, from_state=entry.usage_state, to_state=verdict.state, reason=verdict.reason)
    entry.usage_state, entry.usage_since = verdict.state, now
    fields = ["usage_state", "usage_since"]
    if verdict.state in (UsageState.ACTIVE, UsageState.IDLE):
        entry.removal_asked_at = None
        fields.append("removal_asked_at")
    if verdict.state == UsageState.UNUSED and entry.lifecycle == Lifecycle.ADOPTED and not is_snoozed(entry, now):
        ask_owner(entry, now=now, reason=verdict.reason)
        fields.append("removal_asked_at")
    entry.save(update_fields=fields)


def ask_owner(entry: StackEntry, *, now, reason: str) -> None:
    """Email the owner (and the leads) the question: still needed, or remove it?"""
    entry.removal_asked_at = now
    notify(
        key=f"unused:{entry.pk}:{now:%Y-%m-%dT%H:%M}",
        to=[entry.owner.email if entry.owner and entry.owner.is_active else None, *lead_emails()],
        template="unused",
        context={"entry": entry, "reason": reason, "keep_url": answer_url(entry, "keep"),
                 "remove_url": answer_url(entry, "remove"), "grace_days": GRACE.days},
        now=now,
    )


def is_snoozed(entry: StackEntry, now) -> bool:
    return bool(entry.snoozed_until and entry.snoozed_until >= now.date())


def lead_emails() -> list[str]:
    return list(User.objects.filter(is_active=True, groups__name=GROUP_NAMES[LEAD]).values_list("email", flat=True))


# The owner's answer, by a signed link ------------------------------------------------------

def answer_url(entry: StackEntry, action: str) -> str:
    """A signed link for this question: it names the time it was asked, so it answers this
    question only, not a later one."""
    asked = f"{entry.removal_asked_at.timestamp():.0f}" if entry.removal_asked_at else "0"
    token = signing.TimestampSigner(salt=ANSWER_SALT).sign(f"{entry.pk}:{action}:{asked}")
    return settings.SITE_URL + reverse("usage-answer", kwargs={"token": token})


class AnswerNoLongerApplies(Exception):
    pass


def read_answer(token: str) -> tuple[StackEntry, str]:
    """The entry and action a link names; raises signing.BadSignature (or SignatureExpired),
    or AnswerNoLongerApplies when the question was answered or the tool came back to use."""
    value = signing.TimestampSigner(salt=ANSWER_SALT).unsign(token, max_age=ANSWER_MAX_AGE)
    pk, action, asked = value.split(":")
    entry = StackEntry.objects.select_related("tool", "owner").get(pk=pk)
    current = f"{entry.removal_asked_at.timestamp():.0f}" if entry.removal_asked_at else None
    if current != asked:
        raise AnswerNoLongerApplies(entry)
    return entry, action


@transaction.atomic
def answer(entry: StackEntry, action: str, *, now=None, by=None) -> str:
    """Apply the owner's answer: keep it (snooze the pipeline for one threshold) or remove it
    (flag it for removal now). Returns a sentence saying what happened."""
    now = now or timezone.now()
    entry = StackEntry.objects.select_for_update(of=("self",)).select_related("tool", "owner").get(pk=entry.pk)
    who = by or entry.owner or "the owner"
    if action == "keep":
        entry.snoozed_until = (now + unused_after(entry, getattr(entry, "probe", None))).date()
        entry.removal_asked_at = None
        entry.save(update_fields=["snoozed_until", "removal_asked_at"])
        UsageChange.objects.create(entry=entry, at=now, from_state=entry.usage_state, to_state=entry.usage_state,
                                   reason=f"{who} says it is still needed; the removal pipeline waits until {entry.snoozed_until}.")
        return f"{entry.tool} stays; nobody will ask again before {entry.snoozed_until:%-d %B %Y}."
    if entry.lifecycle == Lifecycle.ADOPTED:
        flag_for_removal(entry, now=now, note=f"{who} accepted its removal.")
    return f"{entry.tool} is flagged for removal."


# The daily pipeline ------------------------------------------------------------------------

def flag_for_removal(entry: StackEntry, *, now, note: str) -> None:
    entry.move_to(Lifecycle.FLAGGED, by=None, now=now, note=note)
    entry.removal_planned_on = (now + PLANNED_REMOVAL).date()
    entry.save(update_fields=["removal_planned_on"])
    notify(
        key=f"flagged:{entry.pk}:{now:%Y-%m-%d}",
        to=[entry.owner.email if entry.owner else None, *lead_emails()],
        template="flagged", context={"entry": entry, "note": note}, now=now,
    )


def removal_pipeline(*, now=None) -> None:
    """Daily: flag tools whose owner did not answer within the grace period, remind weekly
    about flagged tools, and tell owners whose probe has been failing for days."""
    now = now or timezone.now()
    unused = StackEntry.objects.filter(lifecycle=Lifecycle.ADOPTED, usage_state=UsageState.UNUSED).select_related("tool", "owner")
    for entry in unused.filter(removal_asked_at__isnull=True):  # a snooze ended: ask again
        if not is_snoozed(entry, now):
            with transaction.atomic():
                ask_owner(entry, now=now, reason="It is still unused after the snooze.")
                entry.save(update_fields=["removal_asked_at"])
    for entry in unused.filter(removal_asked_at__lte=now - GRACE):
        if not is_snoozed(entry, now):
            try:
                with transaction.atomic():
                    flag_for_removal(entry, now=now, note=f"Unused, and no answer within {GRACE.days} days.")
            except TransitionError:  # another run flagged it first
                continue
    week = now.isocalendar()
    flagged = StackEntry.objects.filter(
        lifecycle=Lifecycle.FLAGGED, removal_planned_on__lt=(now + PLANNED_REMOVAL).date()
    ).select_related("tool", "owner")
    for entry in flagged:  # flagged before today; the flag email was this week's news
        if is_snoozed(entry, now):
            continue
        notify(
            key=f"reminder:{entry.pk}:{week.year}-W{week.week:02}",
            to=[entry.owner.email if entry.owner else None, *lead_emails()],
            template="reminder", context={"entry": entry}, now=now,
        )
    failing = Probe.objects.filter(consecutive_failures__gt=0, entry__lifecycle__in=IN_USE).filter(
        Q(last_ok_at__lt=now - FAILING_FOR) | Q(last_ok_at__isnull=True, created_at__lt=now - FAILING_FOR)
    ).select_related("entry__tool", "entry__owner")
    for probe in failing:
        since = probe.last_ok_at or probe.created_at
        notify(
            key=f"probe-failing:{probe.pk}:{since:%Y-%m-%d}",
            to=[probe.entry.owner.email if probe.entry.owner else None],
            template="probe_failing", context={"probe": probe, "entry": probe.entry}, now=now,
        )


def weekly_digest(*, now=None) -> None:
    """Monday: tell the leads what needs action, most urgent first."""
    now = now or timezone.now()
    order = [UsageState.UNUSED, UsageState.UNKNOWN, UsageState.IDLE]
    entries = list(
        StackEntry.objects.filter(lifecycle__in=IN_USE).select_related("tool", "owner")
        .exclude(usage_state=UsageState.ACTIVE, owner__isnull=False)
    )
    entries.sort(key=lambda e: (order.index(e.usage_state) if e.usage_state in order else 3, e.tool.name.lower()))
    if not entries:
        return
    week = now.isocalendar()
    notify(key=f"digest:{week.year}-W{week.week:02}", to=lead_emails(), template="digest",
           context={"entries": entries, "now": now}, now=now)


def rollup(*, now=None) -> int:
    """Fold raw results older than 30 days into one row a day, then delete them."""
    now = now or timezone.now()
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

