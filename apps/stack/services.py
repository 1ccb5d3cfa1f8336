from django.db import transaction
from django.utils import timezone

from apps.stack.models import Lifecycle, StackEntry


@transaction.atomic
def entry_propose(*, tool, by, team=None, now=None) -> tuple[StackEntry, bool]:
    """Put a catalogue tool on the stack as a proposal, recording who proposed it.

    A tool has one stack entry: when it already has one, that entry is returned unchanged
    (and False), however many people propose it at once.
    """
    entry, created = StackEntry.objects.get_or_create(
        tool=tool, defaults={"team": team or getattr(by, "team", None)}
    )
    if created:
        entry.transitions.create(to_lifecycle=Lifecycle.PROPOSED, by=by, at=now or timezone.now())
    return entry, created
