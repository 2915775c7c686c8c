"""The ``newsmill`` command with a gate after its first stored batch, for
the Ctrl-C tests: ``python -m tests.helpers.gated_run MODE ARGS...`` runs
``newsmill ARGS...`` and, once the run has stored its first batch, writes
``gate: first batch stored`` to stderr and waits for a stop request (the
first SIGINT), so that the test interrupts it at a known point without
depending on the machine's speed. MODE ``stop``: then the run goes on (and
stops, as asked); ``hang``: then it never ends on its own (only a second
SIGINT ends the process)."""

from __future__ import annotations

import sys
import threading
from typing import Any

from newsmill.cli import main
from newsmill.pipeline import runs, stopping

GATE_SECONDS = 300.0  # the longest the gate waits for the test's SIGINT


def _gate(mode: str) -> None:
    store_all = runs.store_all
    passed = threading.Event()

    def gated(*args: Any, **kwargs: Any) -> None:
        store_all(*args, **kwargs)
        if passed.is_set():
            return
        passed.set()
        print("gate: first batch stored", file=sys.stderr, flush=True)
        stopping.wait(GATE_SECONDS)
        if mode == "hang":
            threading.Event().wait()

    runs.store_all = gated  # type: ignore[assignment]


if __name__ == "__main__":
    _gate(sys.argv[1])
    sys.exit(main(sys.argv[2:]))
