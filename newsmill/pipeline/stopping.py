"""A request to stop a run early (the first Ctrl-C of the ``newsmill``
command): the run stops reading new input and stores no batch after the
one in flight; the run log records it as ``interrupted``. Process-wide, as
signals are."""

from __future__ import annotations

import threading

_requested = threading.Event()


def request_stop() -> None:
    """Ask every run of this process to stop after the batch in flight."""
    _requested.set()


def stop_requested() -> bool:
    return _requested.is_set()


def wait(seconds: float) -> bool:
    """Sleep ``seconds`` unless a stop is requested meanwhile (True then)."""
    return _requested.wait(seconds)


def clear() -> None:
    """Forget a stop request (a new run in the same process, tests)."""
    _requested.clear()


__all__ = ["clear", "request_stop", "stop_requested", "wait"]
