"""Changes made in a block, told once when it ends: a sweep records a thousand probe results,
and whoever listens for changes (the linter, the overview) needs to hear of them only once."""

import threading
from collections.abc import Callable
from contextlib import contextmanager

_batch = threading.local()
_listeners: list[Callable[[set], None]] = []


def listen(callback: Callable[[set], None]) -> None:
    """Call `callback(senders)` with the models a block changed, when the block ends."""
    if callback not in _listeners:
        _listeners.append(callback)


@contextmanager
def one_change():
    """What the block changes counts as one change, told when it ends."""
    _batch.senders = set()
    try:
        yield
    finally:
        senders, _batch.senders = _batch.senders, None
        for callback in _listeners:
            callback(senders)


def held(sender) -> bool:
    """Hold a change for the block being run, if any; False when none runs (tell it now)."""
    senders = getattr(_batch, "senders", None)
    if senders is None:
        return False
    senders.add(sender)
    return True
