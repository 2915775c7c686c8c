"""Starting where a run's extraction goes (:class:`~newsmill.core.settings.RunnerSettings`):
the local worker pool, or a Dask cluster (a LocalCluster the run starts, or
a running one: docs/scaling.md). How the Dask client is made is the run's
host's: :func:`dask_client` here (``distributed`` itself), prefect-dask's
task runner in a Prefect flow run (:mod:`newsmill.flows.host`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from newsmill.core.errors import ConfigError
from newsmill.core.settings import RunnerSettings
from newsmill.execution.cluster import ClusterExtractor, local_cluster_setup
from newsmill.execution.extractor import Extractor
from newsmill.execution.fork import POOL_WORKER
from newsmill.execution.pool import ExtractPool

# A Dask connection: entered for the run, it yields a function that returns
# the client (starting the cluster or connecting to it; called in the
# background while the run reads its input).
DaskConnect = Callable[[RunnerSettings], AbstractContextManager[Callable[[], Any]]]


@dataclass
class ScaleOut:
    """Where extraction runs besides the run's process."""

    description: str
    extractor: Extractor


def local_cluster_kwargs(settings: RunnerSettings) -> dict[str, Any]:
    """The LocalCluster a ``dask`` run starts when no address is given."""
    return {
        "n_workers": settings.dask_workers or os.cpu_count() or 1,
        "threads_per_worker": 1,
        "processes": True,
        "host": "127.0.0.1",
        "dashboard_address": None,
        # Each worker warms the extractors up as it starts, not on its first
        # batch (with local_cluster_setup(), the fork server has done it).
        "preload": [POOL_WORKER],
    }


# Pages and results travel between the run and the workers directly, not
# through the scheduler (half the copies, and no scheduler CPU).
CLIENT_KWARGS: dict[str, Any] = {"direct_to_workers": True}


@contextmanager
def dask_client(settings: RunnerSettings) -> Iterator[Callable[[], Any]]:
    """A :data:`DaskConnect` with ``distributed`` alone (no Prefect)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # the optional extra is not installed
        raise ConfigError("NEWSMILL_TASK_RUNNER=dask needs distributed: pip install 'newsmill[dask]'") from exc
    with ExitStack() as stack:
        # Made in a background thread and closed in this one: closed, not
        # entered as context managers (a client's context is its thread's).
        def connect() -> Any:
            if settings.dask_address:
                target: Any = settings.dask_address
            else:
                target = LocalCluster(**local_cluster_kwargs(settings))  # type: ignore[no-untyped-call]
                stack.callback(target.close)
            client = Client(target, set_as_default=False, **CLIENT_KWARGS)  # type: ignore[no-untyped-call]
            stack.callback(client.close)
            return client

        yield connect


@contextmanager
def scale_out(runner: RunnerSettings, dask: DaskConnect = dask_client) -> Iterator[ScaleOut | None]:
    """The local worker pool (``processes``) or a Dask cluster (``dask``,
    reached through ``dask``), started at the beginning of a run so that
    workers boot while it discovers, fetches and reads; None for the
    default runner."""
    if runner.kind == "processes":
        with ExtractPool(runner.pool_size, limits=runner.limits) as pool:
            pool.prestart()
            yield ScaleOut(runner.describe(), extractor=pool)
    elif runner.kind == "dask":
        with ExitStack() as stack:
            if runner.dask_address is None:  # a LocalCluster: its workers fork from the fork server
                stack.enter_context(local_cluster_setup())
            connect = stack.enter_context(dask(runner))
            start = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="dask-start"))
            # The cluster starts (or is connected to) in the background
            # while the run discovers, fetches and reads; the first batch
            # waits for it. Exiting waits for it too, so that what was
            # started is closed.
            client = start.submit(connect)
            yield ScaleOut(runner.describe(), extractor=ClusterExtractor(client, limits=runner.limits))
            client.result()  # a cluster that never came up fails the run, even one with nothing to extract
    else:
        yield None


__all__ = ["CLIENT_KWARGS", "DaskConnect", "ScaleOut", "dask_client", "local_cluster_kwargs", "scale_out"]
