"""What hosts a run (:mod:`newsmill.pipeline.runs`): how its steps are
called (with their retries), where it logs, how its report and progress are
shown and where its extraction scales out. Two hosts, one story:
:class:`LocalHost` here (plain calls in this process: the ``newsmill``
command's default) and the Prefect one of :mod:`newsmill.flows.host`
(every step a task run of a flow run)."""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, TypeVar

from newsmill.core.settings import RunnerSettings
from newsmill.execution.scale import ScaleOut, scale_out
from newsmill.pipeline import stopping
from newsmill.pipeline.extraction import Pending
from newsmill.pipeline.report import RunReport

R = TypeVar("R")

log = logging.getLogger("newsmill.run")


@dataclass(frozen=True)
class Step:
    """A kind of step of a run: ``name`` (a Prefect task's name),
    ``run_name`` (each call's name, with the call's ``{label}``: the source
    or the batch), and the retries of steps that do network I/O or write
    the store (``delays``: seconds before each retry)."""

    name: str
    run_name: str
    retries: int = 0
    delays: tuple[float, ...] = ()


DISCOVER = Step("discover-source", "discover-{label}", 2, (5, 30))
FETCH = Step("fetch-articles", "fetch-{label}", 2, (5, 30))
READ_LOCAL = Step("read-local-source", "read-{label}")
EXTRACT = Step("extract-and-clean", "extract-batch-{label}")
STORE = Step("dedup-and-store", "store-batch-{label}", 1, (10,))
RECORD = Step("record-failures", "record-failures", 1, (10,))
STEPS = (DISCOVER, FETCH, READ_LOCAL, EXTRACT, STORE, RECORD)


class ProgressArtifact(Protocol):
    """A run's progress where its host shows it (the Prefect UI)."""

    def update(self, percent: float, description: str) -> None: ...


class Host(Protocol):
    """What a run asks of whatever hosts it."""

    def submit(self, step: Step, fn: Callable[..., R], *args: Any, label: str = "") -> Pending[R]:
        """Start ``fn(*args)`` as a ``step`` (in the background); its result waits in the handle."""
        ...

    def call(self, step: Step, fn: Callable[..., R], *args: Any, label: str = "") -> R:
        """``fn(*args)`` as a ``step``, waited for."""
        ...

    def log(self, message: str, *args: object) -> None:
        """An INFO line of the run's log."""
        ...

    def publish_report(self, report: RunReport) -> None:
        """Show the finished run's report."""
        ...

    def progress_artifact(self, description: str) -> ProgressArtifact | None:
        """A progress display for a long run, if the host has one."""
        ...

    def scale_out(self, runner: RunnerSettings) -> AbstractContextManager[ScaleOut | None]:
        """Where the run's extraction runs besides its process."""
        ...


# What no retry helps: a full disk or quota, a read-only file system.
_LASTING = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


def worth_retrying(exc: BaseException) -> bool:
    """False for an error that waiting does not mend (a full disk: the
    error, or what caused it, is an OSError of :data:`_LASTING`)."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.errno in _LASTING:
            return False
        if "No space left on device" in str(seen) or "database or disk is full" in str(seen):
            return False
        seen = seen.__cause__ or seen.__context__
    return True


def with_retries(step: Step, fn: Callable[..., R], *args: Any) -> R:
    """``fn(*args)``, tried again after each of ``step.delays`` when it
    raises, up to ``step.retries`` times (as a Prefect task's retries); a
    stop request ends the waiting and raises the last error."""
    for attempt in range(step.retries + 1):
        try:
            return fn(*args)
        except Exception as exc:
            if attempt >= step.retries or not worth_retrying(exc):
                raise
            delay = step.delays[min(attempt, len(step.delays) - 1)] if step.delays else 0.0
            log.warning("%s failed (%s: %s); retry %d of %d in %g s", step.name, type(exc).__name__, exc,
                        attempt + 1, step.retries, delay)
            if stopping.wait(delay):
                raise
    raise AssertionError("unreachable")


class LocalHost:
    """A run in this process with plain calls: steps in a thread pool (as a
    Prefect flow's task runner runs them), retried as the Prefect tasks are,
    logged to the ``newsmill.run`` logger; no report or progress artifacts
    (the command prints its summary and progress bars)."""

    def __init__(self) -> None:
        self._threads: ThreadPoolExecutor | None = None

    def __enter__(self) -> LocalHost:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=True, cancel_futures=True)
            self._threads = None

    def submit(self, step: Step, fn: Callable[..., R], *args: Any, label: str = "") -> Future[R]:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(thread_name_prefix="newsmill-step")
        return self._threads.submit(with_retries, step, fn, *args)

    def call(self, step: Step, fn: Callable[..., R], *args: Any, label: str = "") -> R:
        return with_retries(step, fn, *args)

    def log(self, message: str, *args: object) -> None:
        log.info(message, *args)

    def publish_report(self, report: RunReport) -> None:
        return None

    def progress_artifact(self, description: str) -> ProgressArtifact | None:
        return None

    def scale_out(self, runner: RunnerSettings) -> AbstractContextManager[ScaleOut | None]:
        return scale_out(runner)


__all__ = ["DISCOVER", "EXTRACT", "FETCH", "READ_LOCAL", "RECORD", "STEPS", "STORE", "Host", "LocalHost",
           "ProgressArtifact", "Step", "with_retries", "worth_retrying"]
