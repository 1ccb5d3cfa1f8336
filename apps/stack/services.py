from django.db import transaction
from django.utils import timezone

from apps.stack.models import Lifecycle, StackEntry


@transaction.atomic
def entry_propose(*, tool, by, team=None, now=None) -> StackEntry:
    """Put a catalogue tool on the stack as a proposal, recording who proposed it."""
    now = now or timezone.now()
    entry = StackEntry.objects.create(tool=tool, team=team or getattr(by, "team", None))
    entry.transitions.create(to_lifecycle=Lifecycle.PROPOSED, by=by, at=now)
    return entry
