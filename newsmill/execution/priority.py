"""Imported only by the fork server the local worker processes start from
(:func:`newsmill.execution.fork.fork_server`), after
:mod:`newsmill.execution.worker`, and importing it is what it does: the
server, and so every worker it forks, runs at niceness
``NEWSMILL_WORKER_NICENESS`` (default
:data:`~newsmill.execution.fork.WORKER_NICENESS`; 0 keeps the flow's).

The flow's own process dedups and stores each batch while the workers
extract the next ones, and the run waits on it at the end: it gets a core
whenever it has work to do, and the workers take what is left. Workers of a
running Dask cluster keep their own.

It reads the environment itself (the one exception below the entry points):
the fork server is a fresh process started by multiprocessing, whose
preloaded modules take no arguments; it inherits the flow's environment.
"""

from __future__ import annotations

import os

from newsmill.execution.fork import WORKER_NICENESS

try:
    _niceness = int(os.environ.get("NEWSMILL_WORKER_NICENESS", "").strip() or WORKER_NICENESS)
except ValueError:  # the flow reports it (RunnerSettings); the workers start all the same
    _niceness = WORKER_NICENESS
if _niceness > 0:
    os.nice(_niceness)
