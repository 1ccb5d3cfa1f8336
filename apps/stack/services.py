from django.db import IntegrityError, transaction

from apps.stack.models import FILTERS, Lifecycle, LifecycleTransition, StackEntry, Verdict
from apps.stack.signals import tell_entry_edited


@transaction.atomic
def entry_propose(*, tool, by, now, team=None) -> tuple[StackEntry, bool]:
    """Put a catalogue tool on the stack as a proposal, recording who proposed it.

    A tool has one stack entry: when it already has one, that entry is returned unchanged
    (and False), however many people propose it at once.
    """
    entry, created = StackEntry.objects.get_or_create(
        tool=tool, defaults={"team": team or getattr(by, "team", None)}
    )
    if created:
        entry.record_arrival(by=by, now=now)
        tell_entry_edited(entry, now=now)
    return entry, created


@transaction.atomic
def entries_propose(tools, *, by, now) -> dict[int, StackEntry]:
    """The stack entries of several tools by tool id, proposing (in one go) those that have
    none yet."""
    entries = {entry.tool_id: entry for entry in StackEntry.objects.filter(tool__in=tools)}
    missing = [tool for tool in tools if tool.pk not in entries]
    try:
        with transaction.atomic():
            new = StackEntry.objects.bulk_create(StackEntry(tool=tool, team=getattr(by, "team", None)) for tool in missing)
            LifecycleTransition.objects.bulk_create(
                LifecycleTransition(entry=entry, to_lifecycle=Lifecycle.PROPOSED, by=by, at=now) for entry in new
            )
    except IntegrityError:  # someone proposed one of them at the same moment: one at a time, then
        new = [entry_propose(tool=tool, by=by, now=now)[0] for tool in missing]
    return entries | {entry.tool_id: entry for entry in new}


@transaction.atomic
def filter_record(*, entry: StackEntry, name: str, verdict: str, rationale: str, by, now) -> StackEntry:
    """Record one adoption filter's verdict. A failed filter rejects the tool (an adopted one
    is flagged for removal), keeping the rationale as the reason (seed rule 2)."""
    entry = StackEntry.objects.select_for_update().get(pk=entry.pk)
    setattr(entry, name, verdict)
    setattr(entry, f"{name}_rationale", rationale.strip())
    entry.save(update_fields=[name, f"{name}_rationale", "updated_at"])
    if verdict == Verdict.FAIL:
        target = entry.move_after_failed_filter()
        if target:
            reason = f"Failed the {FILTERS[name].lower()} filter: {rationale.strip()}"
            entry.move_to(target, by=by, now=now, note=reason)
    tell_entry_edited(entry, now=now)
    return entry


@transaction.atomic
def entry_move(entry: StackEntry, lifecycle: str, *, by, now, note: str = ""):
    """A person moves the entry on its page (`StackEntry.move_to` keeps the rules)."""
    step = entry.move_to(lifecycle, by=by, now=now, note=note)
    tell_entry_edited(entry, now=now)
    return step


def entry_details_save(form, *, now) -> StackEntry:
    """Save the entry's owner, team, pain points and cost from its details form."""
    entry = form.save()
    tell_entry_edited(entry, now=now)
    return entry
