"""Usage states (active, idle, unused, unknown) from what the probes saw.

Unknown is never unused: a tool without a working probe is unknown, whatever it last showed.
"""

from dataclasses import dataclass
from datetime import timedelta

from apps.stack.models import StackEntry, UsageState

IDLE_FRACTION = 0.5  # idle once half the unused threshold has passed without activity


@dataclass(frozen=True)
class Judgement:
    state: str
    reason: str


def unused_after(entry: StackEntry, probe) -> timedelta:
    """The threshold in force for the entry (StackEntry.unused_after says where it is set)."""
    return timedelta(days=entry.unused_after(probe)[0])


def judge(entry: StackEntry, probe, now) -> Judgement:
    if probe is None or not probe.enabled:
        return told(entry, now)
    if probe.consecutive_failures >= probe.failures_before_unknown:
        # The reason is shown to every role: the error text itself is for the owner and leads.
        return Judgement(UsageState.UNKNOWN, f"The last {probe.consecutive_failures} probe runs failed.")
    threshold = unused_after(entry, probe)
    last = entry.last_activity_at
    if last is None:
        if probe.last_ok_at is None or now - probe.created_at < threshold:
            return Judgement(UsageState.UNKNOWN, "No activity seen yet, and the probe has not watched a whole window.")
        return Judgement(UsageState.UNUSED, f"No activity in {threshold.days} days.")
    quiet = now - last
    if quiet >= threshold:
        return Judgement(UsageState.UNUSED, f"No activity for {quiet.days} days (unused after {threshold.days}).")
    if quiet >= threshold * IDLE_FRACTION:
        return Judgement(UsageState.IDLE, f"No activity for {quiet.days} days.")
    return Judgement(UsageState.ACTIVE, f"Last activity {last:%Y-%m-%d %H:%M} UTC.")


def told(entry: StackEntry, now) -> Judgement:
    """An entry no probe reads: active or idle by activity something else saw and dated (a
    discovery source); never unused, since nothing watches it the whole time."""
    threshold = unused_after(entry, None)
    quiet = now - entry.last_activity_at if entry.last_activity_at else None
    if quiet is None or quiet >= threshold:
        return Judgement(UsageState.UNKNOWN, "No probe reads its use.")
    if quiet >= threshold * IDLE_FRACTION:
        return Judgement(UsageState.IDLE, f"No probe; no activity seen for {quiet.days} days.")
    return Judgement(UsageState.ACTIVE, f"No probe; activity seen {entry.last_activity_at:%Y-%m-%d %H:%M} UTC.")
