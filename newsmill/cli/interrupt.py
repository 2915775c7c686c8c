"""Ctrl-C during a run command: the first asks the run to stop after the
batch in flight (:mod:`newsmill.pipeline.stopping`; the run then records
itself as ``interrupted`` and the command says what was stored and exits
130); a second quits at once (the store's crash safety covers it)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from newsmill.cli.errors import INTERRUPTED
from newsmill.pipeline import stopping


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    if stopping.stop_requested():
        os.write(2, b"\nnewsmill: interrupted again: quitting now (the store stays consistent)\n")
        os._exit(INTERRUPTED)
    stopping.request_stop()
    os.write(2, b"\nnewsmill: stopping after the batch in flight (Ctrl-C again to quit at once)\n")


@contextmanager
def graceful_sigint() -> Iterator[None]:
    """While in effect (in the main thread), SIGINT asks the run to stop
    rather than raising KeyboardInterrupt."""
    stopping.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.stderr.flush()


__all__ = ["graceful_sigint"]
