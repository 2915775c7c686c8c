"""Progress of long local runs, for whoever listens (the CLI's rich bars).

The flows report ``(stage, done, total)`` through :func:`report`; with no
listener (a deployment run, a test) it costs a context-variable lookup. The
Prefect UI gets its own progress artifact from the flow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Listener = Callable[[str, int, int], None]

_listener: ContextVar[Listener | None] = ContextVar("newsmill_progress", default=None)


def report(stage: str, done: int, total: int) -> None:
    """Tell the listener, if any, that ``done`` of ``total`` items of
    ``stage`` are finished."""
    listener = _listener.get()
    if listener is not None:
        listener(stage, done, total)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send progress reports to ``listener`` inside the block."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


__all__ = ["Listener", "listening", "report"]
