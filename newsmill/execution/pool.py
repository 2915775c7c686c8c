"""Extraction on a pool of local worker processes: the CPU-bound stage on
every core of one machine, without a cluster."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.connection import Connection

from newsmill.core.errors import ConfigError
from newsmill.core.records import RawDocument
from newsmill.execution.fork import fork_server
from newsmill.extractors import ExtractSettings
from newsmill.pipeline.extraction import (
    Extracted,
    ExtractFn,
    extract_documents,
    extract_failure,
    split_parts,
)


def _watch_run(alive: Connection) -> None:
    """In each worker: end the worker when the run's process is gone (the
    write end of ``alive`` closed: a second Ctrl-C's ``os._exit``, a
    SIGKILL), rather than waiting forever for work from it. Workers ignore
    SIGINT (:mod:`newsmill.execution.signals`), so nothing else ends them."""
    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            alive.recv()
        os._exit(1)

    threading.Thread(target=watch, name="newsmill-run-watch", daemon=True).start()


def _executor(processes: int, alive: Connection) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=processes, mp_context=fork_server(), initializer=_watch_run,
                               initargs=(alive,))


class ExtractPool:
    """An :class:`~newsmill.execution.extractor.Extractor` on ``processes``
    local worker processes.

    A batch is split into ``split`` parts per worker. It may be used from
    several threads at once (the flow extracts the next batch while it
    stores the last). Workers start from the fork server
    (:func:`~newsmill.execution.fork.fork_server`). A worker that dies
    (killed, out of memory) breaks the pool: it is restarted, and each
    unfinished part goes again in a worker of its own, then document by
    document if it dies again; a document that kills its worker is recorded
    as a failure, and the run goes on. ``work`` is the function the workers
    run on each part (default
    :func:`~newsmill.pipeline.extraction.extract_documents`).
    """

    def __init__(self, processes: int, *, split: int = 2, work: ExtractFn | None = None) -> None:
        if processes < 1:
            raise ConfigError(f"processes must be >= 1, got {processes}")
        if split < 1:
            raise ConfigError(f"split must be >= 1, got {split}")
        self.processes, self.split = processes, split
        self.work: ExtractFn = work or extract_documents
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._generation = 0
        # The workers' watch on this process: they hold the read end, this
        # process the write end, until the pool is closed.
        self._alive, self._alive_w = multiprocessing.Pipe(duplex=False)

    def __enter__(self) -> ExtractPool:
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> tuple[ProcessPoolExecutor, int]:
        with self._lock:
            if self._pool is None:
                self._pool = _executor(self.processes, self._alive)
                self._generation += 1
            return self._pool, self._generation

    def prestart(self) -> None:
        """Start the worker processes now (they boot while the caller reads
        its input) rather than at the first batch."""
        pool, _ = self._start()
        for _ in range(self.processes):
            pool.submit(os.getpid)

    def _restart(self, generation: int) -> None:
        """Drop a broken pool (once, whichever thread saw it break first)."""
        with self._lock:
            if self._pool is not None and self._generation == generation:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def __del__(self) -> None:
        for conn in (getattr(self, "_alive", None), getattr(self, "_alive_w", None)):
            if conn is not None:
                conn.close()

    def submit(self, docs: Sequence[RawDocument], settings: ExtractSettings | None = None) -> PoolBatch:
        """Start extracting ``docs``; the result waits in the returned handle."""
        parts = split_parts(docs, self.processes * self.split)
        pool, generation = self._start()
        futures: list[Future[Extracted] | None] = []
        for part in parts:
            try:
                futures.append(pool.submit(self.work, part, settings))
            except BrokenProcessPool:
                futures.append(None)
        return PoolBatch(self, parts, futures, generation, settings)

    def extract(self, docs: Sequence[RawDocument], settings: ExtractSettings | None = None) -> Extracted:
        """Extract ``docs`` on the pool and wait for them."""
        return self.submit(docs, settings).result()


@dataclass
class PoolBatch:
    """A batch being extracted by an :class:`ExtractPool`."""

    pool: ExtractPool
    parts: list[list[RawDocument]]
    futures: list[Future[Extracted] | None]
    generation: int
    settings: ExtractSettings | None

    def result(self) -> Extracted:
        """The batch's extraction, in document order (waits for it)."""
        results: list[Extracted | None] = []
        for future in self.futures:
            try:
                results.append(future.result() if future is not None else None)
            except BrokenProcessPool:
                results.append(None)
        if any(r is None for r in results):
            self.pool._restart(self.generation)
            # Each unfinished part on its own: only documents that kill a worker fail.
            results = [r if r is not None else _extract_alone(self.pool.work, part, self.settings, self.pool._alive)
                       for r, part in zip(results, self.parts, strict=True)]
        return Extracted.join(r for r in results if r is not None)


def _extract_alone(work: ExtractFn, docs: Sequence[RawDocument], settings: ExtractSettings | None,
                   alive: Connection) -> Extracted:
    """Extract a part whose worker died: in a worker of its own, then, if
    that dies too, document by document, so only the documents that kill a
    worker are recorded as failures."""
    with _executor(1, alive) as pool:
        try:
            return pool.submit(work, list(docs), settings).result()
        except BrokenProcessPool:
            pass
    results: list[Extracted] = []
    pool = _executor(1, alive)
    try:
        for doc in docs:
            try:
                results.append(pool.submit(work, [doc], settings).result())
            except BrokenProcessPool as exc:
                pool.shutdown(wait=False)
                pool = _executor(1, alive)
                results.append(Extracted(failures=[extract_failure(
                    doc, "extract_error", f"the extraction worker process died on this document ({exc})")]))
    finally:
        pool.shutdown(wait=False)
    return Extracted.join(results)


__all__ = ["ExtractPool", "PoolBatch"]
