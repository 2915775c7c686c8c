"""The Prefect host of a run (:class:`~newsmill.pipeline.host.Host`): each
step of :mod:`newsmill.pipeline.runs` a Prefect task run (named after its
source or batch, with the step's retries), the run's log its flow run's,
its report and progress artifacts in the UI, and extraction on Dask through
prefect-dask's task runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar, cast
from uuid import UUID

from prefect import Task, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NONE as NO_CACHE
from prefect.utilities.annotations import quote

from newsmill.core.errors import ConfigError
from newsmill.core.settings import RunnerSettings
from newsmill.execution.scale import CLIENT_KWARGS, ScaleOut, local_cluster_kwargs, scale_out
from newsmill.pipeline.extraction import Pending
from newsmill.pipeline.host import STEPS, ProgressArtifact, Step, worth_retrying
from newsmill.pipeline.report import RunReport

R = TypeVar("R")
T = TypeVar("T")


def as_is(value: T) -> T:
    """A large task parameter passed as it is: ``quote`` tells Prefect there
    are no futures inside to look for (it would walk every article)."""
    return cast(T, quote(value))


def _step_task(step: Step) -> Task[..., Any]:
    def run_step(fn: Callable[..., Any], args: tuple[Any, ...], label: str) -> Any:
        return fn(*args)

    run_step.__name__ = run_step.__qualname__ = step.name.replace("-", "_")  # each step a task of its own
    return task(name=step.name, task_run_name=step.run_name, retries=step.retries,
                retry_delay_seconds=list(step.delays) or 0, retry_condition_fn=_retry_wanted,
                cache_policy=NO_CACHE)(run_step)


def _retry_wanted(task: Any, task_run: Any, state: Any) -> bool:
    """A failed step is retried unless its error is one waiting does not
    mend (a full disk: :func:`~newsmill.pipeline.host.worth_retrying`)."""
    error = getattr(state, "data", None)
    return not isinstance(error, BaseException) or worth_retrying(error)


TASKS: dict[str, Task[..., Any]] = {step.name: _step_task(step) for step in STEPS}


def dask_task_runner(settings: RunnerSettings) -> Any:
    """A prefect-dask ``DaskTaskRunner`` for these settings."""
    try:
        from prefect_dask.task_runners import DaskTaskRunner
    except ImportError as exc:  # the optional extra is not installed
        raise ConfigError("NEWSMILL_TASK_RUNNER=dask needs prefect-dask: pip install 'newsmill[dask]'") from exc
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address, client_kwargs=CLIENT_KWARGS)
    return DaskTaskRunner(client_kwargs=CLIENT_KWARGS, cluster_kwargs=local_cluster_kwargs(settings))


@contextmanager
def prefect_dask(settings: RunnerSettings) -> Iterator[Callable[[], Any]]:
    """The Dask client of a prefect-dask task runner, entered for the run
    rather than given to a child flow: flow-run parameters go to the API
    (and are capped at 512 KB), task parameters only travel to the workers."""
    with dask_task_runner(settings) as runner:
        yield lambda: runner.client


class _Progress:
    def __init__(self, description: str) -> None:
        self.id = cast(UUID, create_progress_artifact(0.0, description=description))

    def update(self, percent: float, description: str) -> None:
        update_progress_artifact(self.id, percent, description=description)


class PrefectHost:
    """A run inside a Prefect flow run."""

    def submit(self, step: Step, fn: Callable[..., R], *args: Any, label: str = "") -> Pending[R]:
        return cast(Pending[R], TASKS[step.name].submit(fn, as_is(args), label))

    def call(self, step: Step, fn: Callable[..., R], *args: Any, label: str = "") -> R:
        return cast(R, TASKS[step.name](fn, as_is(args), label))

    def log(self, message: str, *args: object) -> None:
        get_run_logger().info(message, *args)

    def publish_report(self, report: RunReport) -> None:
        """The run's report and failures/duplicates tables in the Prefect UI."""
        create_markdown_artifact(report.to_markdown(), key="run-report", description="newsmill run report")
        if report.failures:
            create_table_artifact(
                [
                    {"url": f.url, "stage": f.stage, "status": f.status, "reason": f.reason[:300], "site": f.site}
                    for f in report.failures
                ],
                key="failures",
                description="fetch and extraction failures of this run",
            )
        if report.duplicate_links:
            create_table_artifact(report.duplicate_links, key="duplicate-links", description="new duplicate links")

    def progress_artifact(self, description: str) -> ProgressArtifact | None:
        return _Progress(description)

    def scale_out(self, runner: RunnerSettings) -> AbstractContextManager[ScaleOut | None]:
        return scale_out(runner, dask=prefect_dask)


__all__ = ["TASKS", "PrefectHost", "as_is", "dask_task_runner", "prefect_dask"]
