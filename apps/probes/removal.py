"""The removal pipeline: an unused tool's owner is asked whether it is still needed, answers
by a signed link (keep it for a while, or remove it), and a question left unanswered flags the
tool for removal; flagged tools are reminded of weekly, failing probes reported to their
owners, and the leads get a digest on Mondays."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from apps.accounts.models import lead_emails
from apps.notifications.services import notify
from apps.probes.models import Probe
from apps.probes.usage import unused_after
from apps.stack.models import (
    IN_USE,
    Lifecycle,
    StackEntry,
    TransitionError,
    UsageChange,
    UsageState,
)

GRACE = timedelta(days=30)  # from asking the owner to flagging for removal
PLANNED_REMOVAL = timedelta(days=30)  # from flagging to the planned removal date
FAILING_FOR = timedelta(days=2)  # a probe failing this long gets its owner an email
ANSWER_SALT = "stackledger.usage-answer"
ANSWER_MAX_AGE = 60 * 60 * 24 * 60  # a link in the email works for 60 days


def ask_owner(entry: StackEntry, *, now, reason: str) -> None:
    """Email the owner (and the leads) the question: still needed, or remove it?"""
    entry.removal_asked_at = now
    notify(
        key=f"unused:{entry.pk}:{now:%Y-%m-%dT%H:%M}",
        to=[entry.owner.email if entry.owner and entry.owner.is_active else None, *lead_emails()],
        template="unused",
        context={"entry": entry, "reason": reason, "keep_url": answer_url(entry, "keep"),
                 "remove_url": answer_url(entry, "remove"), "grace_days": GRACE.days},
        now=now, teams=[entry.team_id],
    )


def is_snoozed(entry: StackEntry, now) -> bool:
    return bool(entry.snoozed_until and entry.snoozed_until >= now.date())


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
def answer(entry: StackEntry, action: str, *, now, by=None) -> str:
    """Apply the owner's answer: keep it (snooze the pipeline for one threshold) or remove it
    (flag it for removal now). Returns a sentence saying what happened."""
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
        template="flagged", context={"entry": entry, "note": note}, now=now, teams=[entry.team_id],
    )


def removal_pipeline(*, now) -> None:
    """Daily: flag tools whose owner did not answer within the grace period, remind weekly
    about flagged tools, and tell owners whose probe has been failing for days."""
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
            template="reminder", context={"entry": entry}, now=now, teams=[entry.team_id],
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
            teams=[probe.entry.team_id],
        )


def weekly_digest(*, now) -> None:
    """Monday: tell the leads what needs action, most urgent first."""
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
