"""Extraction watched from outside: a :class:`Guard` runs documents in a
child process of its own and kills that process (SIGKILL, not a request)
when one document takes more CPU time than the time limit (or, using no
CPU, :data:`WALL_FACTOR` times as long on the clock) or the process's
resident memory passes the memory limit
(:class:`~newsmill.core.settings.LimitSettings`). The document is recorded
as a ``timeout`` or ``too_much_memory`` failure with its size, the killed
process is replaced, and the rest of the documents go on in the new one.

The local pool (:mod:`newsmill.execution.pool`) is a set of guards driven
by threads of the run's process; on Dask, each worker process runs its
tasks through a guard of its own (:class:`Guarded`), whose child starts
from a fork server of that worker. Either way the process that watches is
never the one that extracts: a document stuck in C code (lxml) that
ignores signals and holds the GIL is still stopped on time.

Memory is watched by reading the child's resident set size
(``/proc/PID/statm``) every :data:`POLL_SECONDS` while it works on a
document, and after each document: a child whose heap stays above the limit
once a document is done is replaced before the next one (no failure
recorded). No ``RLIMIT_AS`` is set: the address space of a Python process
with lxml and its threads is several times its resident memory, so such a
cap refuses pages that fit."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from newsmill.core.records import RawDocument
from newsmill.core.settings import LimitSettings
from newsmill.extractors import ExtractSettings
from newsmill.pipeline.extraction import Extracted, ExtractFn, extract_documents, extract_failure

POLL_SECONDS = 0.1  # how often a busy child's clock and memory are looked at
STOP_SECONDS = 5.0  # how long a child asked to stop may take before it is killed
TIMEOUT, TOO_MUCH_MEMORY = "timeout", "too_much_memory"

WALL_FACTOR = 4  # a child that uses no CPU (blocked, starved) is stopped after this many times the limit on the clock
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def rss_bytes(pid: int) -> int | None:
    """The resident memory of process ``pid`` (None if it is gone or the
    system has no ``/proc``)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def cpu_seconds(pid: int) -> float | None:
    """The CPU time process ``pid`` has used (user and system), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS
    except (OSError, ValueError, IndexError):
        return None


def _watch_parent(alive: Connection) -> None:
    """In the child: end it when the process that watches it is gone (the
    write end of ``alive`` closed), whatever it is doing."""
    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            alive.recv()
        os._exit(1)

    threading.Thread(target=watch, name="newsmill-guard-watch", daemon=True).start()


def _child_main(conn: Connection, alive: Connection) -> None:
    """The child's loop: a job is ``(work, docs, settings)``; it runs
    ``work([doc], settings)`` on each document in turn and sends
    ``("done", i, result)`` (so the watcher knows the next one has begun);
    ``None`` (or the other end closed) ends it."""
    _watch_parent(alive)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        work, docs, settings = job
        for i, doc in enumerate(docs):
            try:
                got = work([doc], settings)
            except Exception as exc:  # the work function's own bug: this document fails, the child goes on
                got = Extracted(failures=[extract_failure(doc, "extract_error", f"{type(exc).__name__}: {exc}"[:500])])
            conn.send(("done", i, got))


def _size(doc: RawDocument) -> str:
    return f"{len(doc.body):,}-byte"


class Guard:
    """One watched extraction child process, started from ``ctx`` (a fork
    server context) when first needed and again after each kill. Not for
    two threads at once."""

    def __init__(self, limits: LimitSettings | None = None,
                 ctx: multiprocessing.context.BaseContext | None = None) -> None:
        from newsmill.execution.fork import fork_server

        self.limits = limits or LimitSettings()
        self._ctx: Any = ctx or fork_server()
        self._proc: Any = None
        self._conn: Connection | None = None
        # The child's watch on this process: it holds the read end, this
        # process the write end.
        self._alive_r, self._alive_w = multiprocessing.Pipe(duplex=False)
        self.kills = 0  # children killed for a limit (and replaced)

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else int(self._proc.pid)

    def start(self) -> None:
        """Start the child now (it boots while the caller does other work)."""
        if self._proc is not None and self._proc.is_alive():
            return
        self._drop()
        here, there = multiprocessing.Pipe(duplex=True)
        proc = self._ctx.Process(target=_child_main, args=(there, self._alive_r), daemon=True,
                                 name="newsmill-extract")
        # A Dask worker is a daemonic process, which multiprocessing forbids
        # to start children (they would outlive it); this child ends itself
        # when its watcher is gone (_watch_parent), so the flag is lifted
        # while it starts.
        config = multiprocessing.current_process()._config  # type: ignore[attr-defined]
        daemon = config.get("daemon")
        config["daemon"] = False
        try:
            proc.start()
        finally:
            if daemon is not None:
                config["daemon"] = daemon
        there.close()
        self._proc, self._conn = proc, here

    def _drop(self, kill: bool = False) -> None:
        """Forget the child (killed first when ``kill``)."""
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is not None:
            if kill and proc.pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGKILL)
            proc.join(STOP_SECONDS)
            if proc.is_alive():
                proc.kill()
                proc.join()
            with contextlib.suppress(Exception):
                proc.close()
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """Stop the child (asked first, killed if it does not end)."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(None)
        self._drop()
        for c in (self._alive_r, self._alive_w):
            c.close()

    def run(self, work: ExtractFn, docs: Sequence[RawDocument], settings: ExtractSettings | None) -> Extracted:
        """``work`` on each of ``docs`` in the child, in order; a document
        that runs out of time or memory, or whose child dies, is recorded as
        a failure and the next ones go on in a new child."""
        results: list[Extracted] = []
        todo = list(docs)
        while todo:
            got, failed = self._some(work, todo, settings)
            results += got
            todo = todo[len(got):]
            if failed is not None:
                results.append(Extracted(failures=[failed]))
                todo = todo[1:]
        return Extracted.join(results)

    def _some(self, work: ExtractFn, docs: list[RawDocument], settings: ExtractSettings | None
              ) -> tuple[list[Extracted], Any]:
        """Results of the first documents of ``docs``, and the failure of
        the one after them when the child was killed or died on it (None
        when all were done)."""
        self.start()
        conn, proc = self._conn, self._proc
        assert conn is not None and proc is not None
        seconds, memory = self.limits.seconds, self.limits.memory_bytes
        out: list[Extracted] = []
        with contextlib.suppress(OSError):  # the child is gone: seen below as the other end closed
            conn.send((work, docs, settings))
        # The document under way: the first once the job is sent, the next
        # one as each is done (the child goes straight on to it).
        current, started, checked = 0, time.monotonic(), time.monotonic()
        cpu_at = cpu_seconds(proc.pid)  # the child's CPU time when it began the current document
        while len(out) < len(docs):
            try:
                ready = conn.poll(POLL_SECONDS)
            except (EOFError, OSError):
                ready = True
            if ready:
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    return out, self._died(docs[len(out)])
                out.append(message[2])
                current, started, cpu_at = len(out), time.monotonic(), cpu_seconds(proc.pid)
                if memory is not None and len(out) < len(docs):
                    rss = rss_bytes(proc.pid)
                    if rss is not None and rss > memory:  # its heap stays big: a fresh child for the next one
                        self._drop(kill=True)
                        return out, None
                if time.monotonic() - checked < POLL_SECONDS:
                    continue
            checked = time.monotonic()
            if current >= len(docs):
                break
            wall = time.monotonic() - started
            doc = docs[current]
            if seconds is not None:
                # CPU time, not the clock: a busy machine does not make a page time out.
                cpu = cpu_seconds(proc.pid)
                used = cpu - cpu_at if cpu is not None and cpu_at is not None else wall
                if used >= seconds or wall >= WALL_FACTOR * seconds:
                    self._drop(kill=True)
                    self.kills += 1
                    spent = f"{seconds:g} s of CPU time" if used >= seconds else f"{wall:.0f} s"
                    return out, extract_failure(doc, TIMEOUT, f"extraction took over {spent} on this "
                                                f"{_size(doc)} document; its worker process was killed")
            rss = rss_bytes(proc.pid) if memory is not None else None
            if memory is not None and rss is not None and rss > memory:
                self._drop(kill=True)
                self.kills += 1
                return out, extract_failure(doc, TOO_MUCH_MEMORY, f"extraction took over {memory // 2**20} MB "
                                            f"(resident) on this {_size(doc)} document; its worker process was killed")
        return out, None

    def _died(self, doc: RawDocument) -> Any:
        proc = self._proc
        code = None
        if proc is not None:
            proc.join(STOP_SECONDS)
            code = proc.exitcode
        self._drop(kill=True)
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return extract_failure(doc, "extract_error",
                               f"the extraction worker process died on this {_size(doc)} document ({how})")


_guards = threading.local()  # a Dask worker's guards, one per thread that runs tasks
_all_guards: list[Guard] = []
_guards_lock = threading.Lock()


def _close_guards() -> None:
    with _guards_lock:
        for guard in _all_guards:
            with contextlib.suppress(Exception):
                guard.close()
        _all_guards.clear()


@dataclass(frozen=True)
class Guarded:
    """An :data:`~newsmill.pipeline.extraction.ExtractFn` that runs ``work``
    through a guard of the process it is called in (a Dask worker's: made at
    its first task, its child started from a fork server of that worker and
    closed when the worker ends)."""

    limits: LimitSettings
    work: ExtractFn = extract_documents

    def __call__(self, docs: list[RawDocument], settings: ExtractSettings | None) -> Extracted:
        guard: Guard | None = getattr(_guards, "guard", None)
        if guard is None or guard.limits != self.limits:
            if guard is not None:
                guard.close()
            guard = Guard(self.limits)
            _guards.guard = guard
            with _guards_lock:
                if not _all_guards:
                    import atexit

                    atexit.register(_close_guards)
                _all_guards.append(guard)
        return guard.run(self.work, docs, settings)


__all__ = ["POLL_SECONDS", "TIMEOUT", "TOO_MUCH_MEMORY", "WALL_FACTOR", "Guard", "Guarded", "cpu_seconds", "rss_bytes"]
