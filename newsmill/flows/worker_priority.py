"""Imported only by the fork server the local worker processes start from
(:func:`newsmill.flows.pipeline.fork_server`), after
:mod:`newsmill.flows.pool_worker`, and importing it is what it does: the
server, and so every worker it forks (the ``processes`` runner's pool, a
Dask LocalCluster's workers), runs at a lower CPU priority than the flow,
at niceness ``NEWSMILL_WORKER_NICENESS`` (default
:data:`~newsmill.flows.pipeline.WORKER_NICENESS`; 0 keeps the flow's), read
when the server starts.

The flow's own process dedups and stores each batch while the workers
extract the next ones, and the run waits on it at the end: with fewer
cores than workers plus one, it gets a core whenever it has work to do, and
the workers take what is left. Workers of a running Dask cluster
(``dask worker --preload newsmill.flows.pool_worker``) keep their own."""

from __future__ import annotations

import os

from newsmill.flows.pipeline import WORKER_NICENESS

try:
    _niceness = int(os.environ.get("NEWSMILL_WORKER_NICENESS", "").strip() or WORKER_NICENESS)
except ValueError:  # the flow reports it (RunnerSettings); the workers start all the same
    _niceness = WORKER_NICENESS
if _niceness > 0:
    os.nice(_niceness)
