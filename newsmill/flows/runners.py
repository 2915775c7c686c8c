"""Where the CPU-bound extraction stage runs, selected by a setting.

``NEWSMILL_TASK_RUNNER``:

- ``default`` (or unset): extraction batches run in the flow's own process;
- ``processes``: they run on a pool of ``NEWSMILL_PROCESSES`` local worker
  processes (default: one per CPU), a few batches ahead of dedup-and-store,
  which goes on in the flow's process meanwhile: every core of one machine,
  no cluster needed;
- ``dask``: they run on a Dask cluster that prefect-dask's
  ``DaskTaskRunner`` starts or connects to: a ``LocalCluster`` of
  ``NEWSMILL_DASK_WORKERS`` single-threaded worker processes on loopback
  (default: one per CPU), or the running cluster at
  ``NEWSMILL_DASK_ADDRESS`` (e.g. ``tcp://10.0.0.5:8786``). Each batch is
  split into plain Dask tasks sent through the runner's client
  (:class:`ClusterExtractor`); the flow's ``extract-and-clean`` task run
  shows the batch in the UI.

Only extraction (cleaning and the articles' MinHash sketches included) goes
to the pool or to Dask: fetching is I/O-bound and already concurrent, and
dedup-and-store is serialized by the store's writer lock anyway. Local
worker processes (the pool's, a LocalCluster's) run at niceness
``NEWSMILL_WORKER_NICENESS`` (default 10, 0 to 19), below the flow, which
dedups and stores while they extract (:mod:`newsmill.flows.worker_priority`).
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from newsmill.core.errors import ConfigError
from newsmill.core.records import RawDocument
from newsmill.extractors import ExtractSettings
from newsmill.flows.pipeline import (
    POOL_WORKER,
    Extracted,
    ExtractFn,
    extract_documents,
    extract_failure,
    fork_server,
    split_parts,
)

RUNNERS = ("default", "processes", "dask")


@dataclass(frozen=True)
class RunnerSettings:
    kind: str = "default"
    dask_address: str | None = None
    dask_workers: int | None = None
    processes: int | None = None
    worker_niceness: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in RUNNERS:
            raise ConfigError(f"NEWSMILL_TASK_RUNNER must be one of {', '.join(RUNNERS)}, got {self.kind!r}")
        if self.dask_workers is not None and self.dask_workers < 1:
            raise ConfigError(f"NEWSMILL_DASK_WORKERS must be >= 1, got {self.dask_workers}")
        if self.processes is not None and self.processes < 1:
            raise ConfigError(f"NEWSMILL_PROCESSES must be >= 1, got {self.processes}")
        if self.worker_niceness is not None and not 0 <= self.worker_niceness <= 19:
            raise ConfigError(f"NEWSMILL_WORKER_NICENESS must be between 0 and 19, got {self.worker_niceness}")

    @classmethod
    def from_env(cls) -> RunnerSettings:
        return cls(kind=(os.environ.get("NEWSMILL_TASK_RUNNER", "").strip() or "default").lower(),
                   dask_address=os.environ.get("NEWSMILL_DASK_ADDRESS", "").strip() or None,
                   dask_workers=_count("NEWSMILL_DASK_WORKERS"), processes=_count("NEWSMILL_PROCESSES"),
                   worker_niceness=_count("NEWSMILL_WORKER_NICENESS"))

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


# Dask settings while a run's LocalCluster is up. Its worker processes
# start from the pipeline's fork server (see local_cluster_setup) and keep
# no CPU profiles (10 ms samples of every thread, for a dashboard the
# LocalCluster does not serve). Its periodic checks run at the pace of a
# batch job rather than of a live dashboard: an idle 2-worker cluster took
# 0.9 CPU-seconds per 10 s with Dask's defaults, 0.3 with these, on the
# cores the run extracts on. And its workers keep glibc's own memory
# trimming: Dask's MALLOC_TRIM_THRESHOLD_ (which returns freed memory to
# the system sooner, for its memory accounting) also turns off glibc's
# dynamic mmap threshold (mallopt(3)), so large buffers are mapped and
# unmapped again: extracting the bench pages in one process with it took
# 20 times the page faults and about 4% more CPU.
LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    "distributed.worker.multiprocessing-method": "forkserver",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",  # event-loop health check (Dask: 20 ms)
    "distributed.admin.system-monitor.interval": "5s",  # CPU, memory and network samples (500 ms)
    "distributed.worker.memory.monitor-interval": "1s",  # spill, pause and terminate checks (100 ms)
    "distributed.scheduler.active-memory-manager.start": False,  # drops extra replicas: a run scatters each page once
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
}


@contextmanager
def local_cluster_setup() -> Iterator[None]:
    """While in effect, a Dask LocalCluster's worker processes start from
    the pipeline's fork server (:func:`~newsmill.flows.pipeline.fork_server`,
    Dask's ``forkserver`` start method) as the local pool's do: a worker
    costs a fork instead of a fresh interpreter importing Dask, the
    pipeline, trafilatura (and, in a deployed run, Prefect) on its own,
    about 2.5 CPU-seconds each on the cores the run itself needs. Dask's
    other settings are those of :data:`LOCAL_CLUSTER_CONFIG`.

    The environment Dask sets before it starts a worker process
    (``distributed.nanny.pre-spawn-environ``: thread-count variables) is
    set here before the fork server starts, since the workers inherit the
    server's environment, not the flow's; the flow's own environment is
    restored afterwards (Dask's nannies leave their variables in it). The
    cluster's own INFO lines (scheduler, nanny and comm start and stop,
    some 30 per run) stay out of the run's log, unless Dask's logging was
    set to DEBUG."""
    import dask
    from distributed.utils import get_mp_context

    quiet = logging.getLogger("distributed")
    level = quiet.level
    with dask.config.set(LOCAL_CLUSTER_CONFIG), environment_kept(
            [*(dask.config.get("distributed.nanny.pre-spawn-environ") or {}), "PYTHONHASHSEED"]):
        get_mp_context()  # type: ignore[no-untyped-call]  # Dask sets its fork-server preload once per process: before ours
        for key, value in (dask.config.get("distributed.nanny.pre-spawn-environ") or {}).items():
            if value is not None:  # None: not set
                os.environ.setdefault(str(key), str(value))
        fork_server("distributed")
        if quiet.getEffectiveLevel() == logging.INFO:
            quiet.setLevel(logging.WARNING)
        try:
            yield
        finally:
            quiet.setLevel(level)


@contextmanager
def environment_kept(keys: Sequence[str]) -> Iterator[None]:
    """These variables of ``os.environ`` as they were, once the block is left."""
    saved = {key: os.environ.get(key) for key in keys}
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


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
        # Each worker imports the pipeline and warms the extractors up as
        # it starts (as the local pool's workers do), not on its first batch
        # (with local_cluster_setup(), the fork server has done it already).
        "preload": [POOL_WORKER],
    })


class ClusterExtractor:
    """Extraction on a Dask cluster through the client of prefect-dask's
    ``DaskTaskRunner`` (``client``: the client, or a ``Future`` of it while
    the cluster is still starting).

    ``submit(docs)`` splits a batch into ``split`` parts per worker (one by
    default: every Dask task and every part sent costs the flow's process a
    few milliseconds of scheduler and comm work, and the batches a run keeps
    in flight already give each worker the next part while it runs one) and
    runs each part as a plain Dask task (``work``, default
    :func:`~newsmill.flows.pipeline.extract_documents`); the batch shows in
    the Prefect UI as the flow's ``extract-and-clean`` task run. A Prefect
    task run on a Dask worker would cost about 0.3 s of API calls per batch
    and some 10 s of client start-up on each fresh worker. A part that
    fails (its worker died more often than Dask allows) is extracted again
    document by document; a document that fails on its own is recorded as
    an ``extract_error`` failure, and the run goes on.
    """

    def __init__(self, client: Any, *, split: int = 1, work: ExtractFn | None = None) -> None:
        if split < 1:
            raise ConfigError(f"split must be >= 1, got {split}")
        self._client, self.split = client, split
        self.work: ExtractFn = work or extract_documents
        self._batches = itertools.count(1)  # next() is atomic: batch tasks submit from several threads

    @property
    def client(self) -> Any:
        """The Dask client (waits for it when it is still starting: a
        ``Future`` of the client may be given)."""
        if isinstance(self._client, Future):
            self._client = self._client.result()
        return self._client

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def submit(self, docs: Sequence[RawDocument], settings: ExtractSettings | None = None) -> PendingCluster:
        parts = split_parts(docs, self.workers * self.split)
        # Earlier batches first (the flow waits for them in order; left to
        # itself the scheduler mixes the parts of every batch submitted).
        # The pages go to the workers directly (scatter), not inside the
        # task graph through the scheduler; pure=False and hash=False: no
        # hashing of the pages to name the data and the tasks.
        priority = -next(self._batches)
        data = self.client.scatter(parts, hash=False)
        futures = [self.client.submit(self.work, part, settings, pure=False, priority=priority) for part in data]
        return PendingCluster(self, parts, futures, settings)

    def extract(self, docs: Sequence[RawDocument], settings: ExtractSettings | None = None) -> Extracted:
        """Extract ``docs`` on the cluster and wait for them."""
        return self.submit(docs, settings).result()


@dataclass
class PendingCluster:
    """A batch being extracted on a Dask cluster."""

    extractor: ClusterExtractor
    parts: list[list[RawDocument]]
    futures: list[Any]
    settings: ExtractSettings | None

    def result(self) -> Extracted:
        return Extracted.join(self._part(part, future) for part, future in zip(self.parts, self.futures, strict=True))

    def _part(self, part: list[RawDocument], future: Any) -> Extracted:
        try:
            got: Extracted = self.extractor.client.gather(future)
            return got
        except Exception:  # KilledWorker, a lost worker, a broken pickle: one document at a time
            return self._one_by_one(part)

    def _one_by_one(self, part: list[RawDocument]) -> Extracted:
        """Each document of a failed part as a task of its own, all at once;
        those that fail (or were lost with a dying worker that ran another
        one) once more, one at a time."""
        client, work = self.extractor.client, self.extractor.work

        def outcome(future: Any) -> Extracted | Exception:
            try:
                got: Extracted = future.result()
                return got
            except Exception as exc:
                return exc

        futures = [client.submit(work, [doc], self.settings, pure=False) for doc in part]
        first = [outcome(future) for future in futures]
        results: list[Extracted] = []
        for doc, got in zip(part, first, strict=True):
            if isinstance(got, Exception):
                got = outcome(client.submit(work, [doc], self.settings, pure=False))
            if isinstance(got, Exception):
                got = Extracted(failures=[extract_failure(
                    doc, "extract_error", f"the Dask task failed on this document: {type(got).__name__}: {got}"[:500])])
            results.append(got)
        return Extracted.join(results)


__all__ = ["LOCAL_CLUSTER_CONFIG", "RUNNERS", "ClusterExtractor", "RunnerSettings", "dask_task_runner",
           "environment_kept", "local_cluster_setup"]
