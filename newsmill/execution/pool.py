"""Extraction on a pool of local worker processes: the CPU-bound stage on
every core of one machine, without a cluster."""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from newsmill.core.errors import ConfigError
from newsmill.core.records import RawDocument
from newsmill.core.settings import LimitSettings
from newsmill.execution.fork import fork_server
from newsmill.execution.guard import Guard
from newsmill.extractors import ExtractSettings
from newsmill.pipeline.extraction import Extracted, ExtractFn, extract_documents, split_parts


class ExtractPool:
    """An :class:`~newsmill.execution.extractor.Extractor` on ``processes``
    local worker processes, each watched by a thread of this process
    (:class:`~newsmill.execution.guard.Guard`): a document that takes longer
    than ``limits.document_seconds`` or makes its worker's resident memory
    pass ``limits.document_memory_mb`` has its worker killed, and is
    recorded as ``timeout`` or ``too_much_memory``.

    A batch is split into ``split`` parts per worker. It may be used from
    several threads at once (the flow extracts the next batch while it
    stores the last). Workers start from the fork server
    (:func:`~newsmill.execution.fork.fork_server`). A worker that dies
    (killed for a limit, by the system for memory, a crash in a C
    extension) costs the document it was on (a failure recorded) and is
    replaced; the rest of its part goes on in the new worker, and the run
    goes on. ``work`` is the function the workers run on each document
    (default :func:`~newsmill.pipeline.extraction.extract_documents`).
    """

    def __init__(self, processes: int, *, split: int = 2, work: ExtractFn | None = None,
                 limits: LimitSettings | None = None) -> None:
        if processes < 1:
            raise ConfigError(f"processes must be >= 1, got {processes}")
        if split < 1:
            raise ConfigError(f"split must be >= 1, got {split}")
        self.processes, self.split = processes, split
        self.work: ExtractFn = work or extract_documents
        self.limits = limits or LimitSettings()
        self._lock = threading.Lock()
        self._threads: ThreadPoolExecutor | None = None
        self._guards: list[Guard] = []
        self._free: queue.SimpleQueue[Guard] = queue.SimpleQueue()

    def __enter__(self) -> ExtractPool:
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._threads is None:
                ctx = fork_server()
                self._guards = [Guard(self.limits, ctx) for _ in range(self.processes)]
                for guard in self._guards:
                    self._free.put(guard)
                self._threads = ThreadPoolExecutor(self.processes, thread_name_prefix="extract-pool")
            return self._threads

    def prestart(self) -> None:
        """Start the worker processes now (they boot while the caller reads
        its input) rather than at the first batch."""
        self._start()
        for guard in self._guards:
            guard.start()

    @property
    def pids(self) -> list[int]:
        """The worker processes running now."""
        return [pid for guard in self._guards if (pid := guard.pid) is not None]

    @property
    def kills(self) -> int:
        """Workers killed for a limit so far (each one replaced)."""
        return sum(guard.kills for guard in self._guards)

    def close(self) -> None:
        with self._lock:
            if self._threads is not None:
                self._threads.shutdown(wait=True, cancel_futures=True)
                self._threads = None
                for guard in self._guards:
                    guard.close()
                self._guards = []
                self._free = queue.SimpleQueue()

    def _run(self, part: list[RawDocument], settings: ExtractSettings | None) -> Extracted:
        guard = self._free.get()
        try:
            return guard.run(self.work, part, settings)
        finally:
            self._free.put(guard)

    def submit(self, docs: Sequence[RawDocument], settings: ExtractSettings | None = None) -> PoolBatch:
        """Start extracting ``docs``; the result waits in the returned handle."""
        threads = self._start()
        parts = split_parts(docs, self.processes * self.split)
        return PoolBatch([threads.submit(self._run, part, settings) for part in parts])

    def extract(self, docs: Sequence[RawDocument], settings: ExtractSettings | None = None) -> Extracted:
        """Extract ``docs`` on the pool and wait for them."""
        return self.submit(docs, settings).result()


@dataclass
class PoolBatch:
    """A batch being extracted by an :class:`ExtractPool`."""

    futures: list[Future[Extracted]]

    def result(self) -> Extracted:
        """The batch's extraction, in document order (waits for it)."""
        return Extracted.join(future.result() for future in self.futures)


__all__ = ["ExtractPool", "PoolBatch"]
