"""The fork server every local worker process starts from (the pool's, a
Dask LocalCluster's): it imports the pipeline and warms the extractors up
once, so a new worker costs a fork rather than those imports."""

from __future__ import annotations

import multiprocessing
import sys

POOL_WORKER = "newsmill.execution.worker"  # what the fork server imports (the warmed-up pipeline)
WORKER_PRIORITY = "newsmill.execution.priority"  # then this: local workers run below the flow's priority
WORKER_NICENESS = 10  # their niceness unless NEWSMILL_WORKER_NICENESS says otherwise
WORKER_SIGNALS = "newsmill.execution.signals"  # and this: they ignore SIGINT (the run's process decides)


def fork_server(*preload: str) -> multiprocessing.context.ForkServerContext:
    """The program's fork server context: it imports :data:`POOL_WORKER`,
    then :data:`WORKER_PRIORITY` and :data:`WORKER_SIGNALS`, then ``preload`` and the program's main
    module when it runs as one (``python -m prefect.engine`` in a deployed
    flow run: each worker imports its main module again, which then costs
    nothing). The preload list only counts before the server starts, which
    is at the first worker process of the program."""
    main = getattr(sys.modules.get("__main__"), "__spec__", None)
    name = getattr(main, "name", None)
    modules = [POOL_WORKER, WORKER_PRIORITY, WORKER_SIGNALS, *preload]
    if name and not name.endswith("__main__"):
        modules.append(name)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(modules)
    return ctx


def start_fork_server() -> None:
    """Start the fork server now, so that it imports the pipeline and warms
    the extractors up while this process does its own imports and reads its
    input (the ``newsmill`` command calls it first thing for a run that
    extracts on local workers); the pool forks its workers from it later."""
    from multiprocessing import forkserver

    fork_server()
    forkserver.ensure_running()


__all__ = ["POOL_WORKER", "WORKER_NICENESS", "WORKER_PRIORITY", "WORKER_SIGNALS", "fork_server", "start_fork_server"]
