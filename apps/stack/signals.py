"""What the stack tells the apps above it."""

from django.dispatch import Signal

# Sent as entry_edited.send(StackEntry, entry=..., now=...) once a person has changed one entry
# (a filter verdict, a move, its details, its probe): what is kept about that entry alone (its
# findings) is redone at once, so the page the person is looking at shows the result.
entry_edited = Signal()


def tell_entry_edited(entry, *, now) -> None:
    from apps.stack.models import StackEntry

    entry_edited.send(StackEntry, entry=entry, now=now)
