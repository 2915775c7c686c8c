"""Starting where a run's extraction goes (:class:`~newsmill.core.settings.RunnerSettings`):
the local worker pool, or prefect-dask's ``DaskTaskRunner`` and the
cluster it starts or connects to (docs/scaling.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from newsmill.core.errors import ConfigError
from newsmill.core.settings import RunnerSettings
from newsmill.execution.cluster import ClusterExtractor, local_cluster_setup
from newsmill.execution.extractor import Extractor
from newsmill.execution.fork import POOL_WORKER
from newsmill.execution.pool import ExtractPool


@dataclass
class ScaleOut:
    """Where extraction runs besides the flow's process."""

    description: str
    extractor: Extractor


def dask_task_runner(settings: RunnerSettings) -> Any:
    """A prefect-dask ``DaskTaskRunner`` for these settings."""
    try:
        from prefect_dask.task_runners import DaskTaskRunner
    except ImportError as exc:  # the optional extra is not installed
        raise ConfigError("NEWSMILL_TASK_RUNNER=dask needs prefect-dask: pip install 'newsmill[dask]'") from exc
    # Pages and results travel between the flow and the workers directly,
    # not through the scheduler (half the copies, and no scheduler CPU).
    client = {"direct_to_workers": True}
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address, client_kwargs=client)
    return DaskTaskRunner(client_kwargs=client, cluster_kwargs={
        "n_workers": settings.dask_workers or os.cpu_count() or 1,
        "threads_per_worker": 1,
        "processes": True,
        "host": "127.0.0.1",
        "dashboard_address": None,
        # Each worker warms the extractors up as it starts, not on its first
        # batch (with local_cluster_setup(), the fork server has done it).
        "preload": [POOL_WORKER],
    })


@contextmanager
def scale_out(runner: RunnerSettings) -> Iterator[ScaleOut | None]:
    """The local worker pool (``processes``) or the Dask task runner
    (``dask``), started at the beginning of a run so that workers boot while
    it discovers, fetches and reads; None for the default runner.

    The Dask runner is entered here rather than given to a child flow:
    flow-run parameters go to the API (and are capped at 512 KB), task
    parameters only travel to the Dask workers."""
    if runner.kind == "processes":
        with ExtractPool(runner.pool_size) as pool:
            pool.prestart()
            yield ScaleOut(runner.describe(), extractor=pool)
    elif runner.kind == "dask":
        task_runner = dask_task_runner(runner)
        with ExitStack() as stack:
            if runner.dask_address is None:  # a LocalCluster: its workers fork from the fork server
                stack.enter_context(local_cluster_setup())
            dask = stack.enter_context(task_runner)
            start = stack.enter_context(ThreadPoolExecutor(1, thread_name_prefix="dask-start"))
            # The cluster starts (or is connected to) in the background
            # while the run discovers, fetches and reads; the first batch
            # waits for it. Exiting waits for it too, so that the runner
            # closes what was started.
            client = start.submit(lambda: dask.client)
            yield ScaleOut(runner.describe(), extractor=ClusterExtractor(client))
            client.result()  # a cluster that never came up fails the run, even one with nothing to extract
    else:
        yield None


__all__ = ["ScaleOut", "dask_task_runner", "scale_out"]
