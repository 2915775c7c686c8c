"""Where the CPU-bound extraction stage runs, selected by a setting.

``NEWSMILL_TASK_RUNNER``:

- ``default`` (or unset): extraction batches run in the flow's own process;
- ``dask``: they run on a Dask cluster through prefect-dask's
  ``DaskTaskRunner``: a ``LocalCluster`` of ``NEWSMILL_DASK_WORKERS``
  single-threaded worker processes on loopback (default: one per CPU), or
  the running cluster at ``NEWSMILL_DASK_ADDRESS`` (e.g.
  ``tcp://10.0.0.5:8786``).

Only extraction goes to Dask: fetching is I/O-bound and already concurrent,
and dedup-and-store is serialized by the store's writer lock anyway.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from newsmill.core.errors import ConfigError

RUNNERS = ("default", "dask")


@dataclass(frozen=True)
class RunnerSettings:
    kind: str = "default"
    dask_address: str | None = None
    dask_workers: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in RUNNERS:
            raise ConfigError(f"NEWSMILL_TASK_RUNNER must be one of {', '.join(RUNNERS)}, got {self.kind!r}")
        if self.dask_workers is not None and self.dask_workers < 1:
            raise ConfigError(f"NEWSMILL_DASK_WORKERS must be >= 1, got {self.dask_workers}")

    @classmethod
    def from_env(cls) -> RunnerSettings:
        workers = os.environ.get("NEWSMILL_DASK_WORKERS", "").strip()
        try:
            n = int(workers) if workers else None
        except ValueError:
            raise ConfigError(f"NEWSMILL_DASK_WORKERS must be a whole number, got {workers!r}") from None
        return cls(kind=(os.environ.get("NEWSMILL_TASK_RUNNER", "").strip() or "default").lower(),
                   dask_address=os.environ.get("NEWSMILL_DASK_ADDRESS", "").strip() or None,
                   dask_workers=n)

    def describe(self) -> str:
        if self.kind == "default":
            return "in-process"
        if self.dask_address:
            return f"Dask cluster at {self.dask_address}"
        return f"Dask LocalCluster, {self.dask_workers or os.cpu_count() or 1} worker(s)"


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
    })


__all__ = ["RUNNERS", "RunnerSettings", "dask_task_runner"]
