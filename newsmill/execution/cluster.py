"""Extraction on a Dask cluster: a LocalCluster whose workers fork from
the pipeline's fork server, or a running cluster; batches go as plain Dask
tasks through a Dask client the run's host makes
(:mod:`newsmill.execution.scale`).

Local worker processes (a LocalCluster's, as the pool's) run at niceness
``NEWSMILL_WORKER_NICENESS`` (default 10), below the flow, which dedups and
stores while they extract (:mod:`newsmill.execution.priority`).
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
from newsmill.core.settings import LimitSettings
from newsmill.execution.fork import fork_server
from newsmill.execution.guard import Guarded
from newsmill.extractors import ExtractSettings
from newsmill.pipeline.extraction import (
    Extracted,
    ExtractFn,
    extract_documents,
    extract_failure,
    split_parts,
)

# Dask settings while a run's LocalCluster is up: workers from the fork
# server, no CPU profiles (no dashboard to show them), periodic checks at
# the pace of a batch job, and glibc's own memory trimming kept (Dask's
# MALLOC_TRIM_THRESHOLD_ turns off glibc's dynamic mmap threshold, so
# extraction maps and unmaps its large buffers again and again).
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
    the fork server (:func:`~newsmill.execution.fork.fork_server`, Dask's
    ``forkserver`` start method) as the local pool's do: a worker costs a
    fork instead of a fresh interpreter importing everything on the cores
    the run itself needs. Dask's other settings are those of
    :data:`LOCAL_CLUSTER_CONFIG`.

    The environment Dask sets before it starts a worker process
    (``distributed.nanny.pre-spawn-environ``: thread-count variables) is
    set here before the fork server starts, since the workers inherit the
    server's environment, not the flow's; the flow's own environment is
    restored afterwards (Dask's nannies leave their variables in it). The
    cluster's own INFO lines (scheduler, nanny and comm start and stop)
    stay out of the run's log, unless Dask's logging was
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


class ClusterExtractor:
    """An :class:`~newsmill.execution.extractor.Extractor` on a Dask cluster,
    through the client of the flow's Dask task runner (``client``: the
    client, or a ``Future`` of it while the cluster is still starting).

    ``submit(docs)`` splits a batch into ``split`` parts per worker (one by
    default: every part sent costs the flow's process scheduler and comm
    work, and the batches a run keeps in flight already give each worker
    the next part while it runs one) and runs each part as a plain Dask
    task (``work``, default
    :func:`~newsmill.pipeline.extraction.extract_documents`); the batch
    shows in the Prefect UI as the flow's ``extract-and-clean`` task run (a
    Prefect task run per part on the workers would cost API calls and a
    client start-up on each fresh worker). A part that
    fails (its worker died more often than Dask allows) is extracted again
    document by document; a document that fails on its own is recorded as
    an ``extract_error`` failure, and the run goes on.

    With ``limits`` (what the runs give), each worker runs its tasks through
    a guard (:class:`~newsmill.execution.guard.Guarded`): the documents in a
    child process of the worker, killed from the worker when one of them
    runs out of time or memory (recorded as ``timeout`` or
    ``too_much_memory``); without, ``work`` runs in the worker itself.
    """

    def __init__(self, client: Any, *, split: int = 1, work: ExtractFn | None = None,
                 limits: LimitSettings | None = None) -> None:
        if split < 1:
            raise ConfigError(f"split must be >= 1, got {split}")
        self._client, self.split = client, split
        plain: ExtractFn = work or extract_documents
        self.work: ExtractFn = plain if limits is None else Guarded(limits, plain)
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

    def submit(self, docs: Sequence[RawDocument], settings: ExtractSettings | None = None) -> ClusterBatch:
        parts = split_parts(docs, self.workers * self.split)
        # Earlier batches first (the flow waits for them in order; left to
        # itself the scheduler mixes the parts of every batch submitted).
        # The pages go to the workers directly (scatter), not inside the
        # task graph through the scheduler; pure=False and hash=False: no
        # hashing of the pages to name the data and the tasks.
        priority = -next(self._batches)
        data = self.client.scatter(parts, hash=False)
        futures = [self.client.submit(self.work, part, settings, pure=False, priority=priority) for part in data]
        return ClusterBatch(self, parts, futures, settings)

    def extract(self, docs: Sequence[RawDocument], settings: ExtractSettings | None = None) -> Extracted:
        """Extract ``docs`` on the cluster and wait for them."""
        return self.submit(docs, settings).result()


@dataclass
class ClusterBatch:
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


__all__ = ["LOCAL_CLUSTER_CONFIG", "ClusterBatch", "ClusterExtractor", "environment_kept", "local_cluster_setup"]
