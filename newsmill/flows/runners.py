"""Where the CPU-bound extraction stage runs, selected by a setting.

``NEWSMILL_TASK_RUNNER``:

- ``default`` (or unset): extraction batches run in the flow's own process;
- ``processes``: they run on a pool of ``NEWSMILL_PROCESSES`` local worker
  processes (default: one per CPU), a few batches ahead of dedup-and-store,
  which goes on in the flow's process meanwhile: every core of one machine,
  no cluster needed;
- ``dask``: they run on a Dask cluster through prefect-dask's
  ``DaskTaskRunner``: a ``LocalCluster`` of ``NEWSMILL_DASK_WORKERS``
  single-threaded worker processes on loopback (default: one per CPU), or
  the running cluster at ``NEWSMILL_DASK_ADDRESS`` (e.g.
  ``tcp://10.0.0.5:8786``).

Only extraction goes to the pool or to Dask: fetching is I/O-bound and already concurrent,
and dedup-and-store is serialized by the store's writer lock anyway.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from newsmill.core.errors import ConfigError

RUNNERS = ("default", "processes", "dask")


@dataclass(frozen=True)
class RunnerSettings:
    kind: str = "default"
    dask_address: str | None = None
    dask_workers: int | None = None
    processes: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in RUNNERS:
            raise ConfigError(f"NEWSMILL_TASK_RUNNER must be one of {', '.join(RUNNERS)}, got {self.kind!r}")
        if self.dask_workers is not None and self.dask_workers < 1:
            raise ConfigError(f"NEWSMILL_DASK_WORKERS must be >= 1, got {self.dask_workers}")
        if self.processes is not None and self.processes < 1:
            raise ConfigError(f"NEWSMILL_PROCESSES must be >= 1, got {self.processes}")

    @classmethod
    def from_env(cls) -> RunnerSettings:
        return cls(kind=(os.environ.get("NEWSMILL_TASK_RUNNER", "").strip() or "default").lower(),
                   dask_address=os.environ.get("NEWSMILL_DASK_ADDRESS", "").strip() or None,
                   dask_workers=_count("NEWSMILL_DASK_WORKERS"), processes=_count("NEWSMILL_PROCESSES"))

    @property
    def pool_size(self) -> int:
        """Worker processes of the ``processes`` runner."""
        return self.processes or os.cpu_count() or 1

    def describe(self) -> str:
        if self.kind == "default":
            return "in-process"
        if self.kind == "processes":
            return f"{self.pool_size} local worker process(es)"
        if self.dask_address:
            return f"Dask cluster at {self.dask_address}"
        return f"Dask LocalCluster, {self.dask_workers or os.cpu_count() or 1} worker(s)"


def _count(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else None
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None


def dask_task_runner(settings: RunnerSettings) -> Any:
    """A prefect-dask ``DaskTaskRunner`` for these settings."""
    try:
        from prefect_dask.task_runners import DaskTaskRunner
    except ImportError as exc:  # the optional extra is not installed
        raise ConfigError("NEWSMILL_TASK_RUNNER=dask needs prefect-dask: pip install 'newsmill[dask]'") from exc
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(cluster_kwargs={
        "n_workers": settings.dask_workers or os.cpu_count() or 1,
        "threads_per_worker": 1,
        "processes": True,
        "host": "127.0.0.1",
        "dashboard_address": None,
        # Each worker imports the pipeline and warms the extractors up as
        # it starts (as the local pool's workers do), not on its first batch.
        "preload": ["newsmill.flows.pool_worker"],
    })


__all__ = ["RUNNERS", "RunnerSettings", "dask_task_runner"]
