"""The commands that run the pipeline (``demo``, ``run``, ``import``,
``reprocess``: in this process, or as Prefect flow runs with ``--prefect``
or ``PREFECT_API_URL``) and ``extract`` (nothing stored), with their
progress bars (the summary they print: :mod:`.summary`)."""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from newsmill.cli.errors import OK, SOME_FAILED, check_database, check_paths, check_sources
from newsmill.cli.summary import outcome as _outcome
from newsmill.cli.summary import plural
from newsmill.cli.summary import print_summary as _print_summary
from newsmill.core.records import Failure
from newsmill.core.settings import Paths

if TYPE_CHECKING:
    from newsmill.pipeline.host import Host
    from newsmill.pipeline.report import RunReport


def prefect_wanted(args: argparse.Namespace) -> bool:
    """Whether a run command makes a Prefect flow run (``--prefect``, or a
    Prefect server named by ``PREFECT_API_URL``) rather than running in
    this process with no Prefect at all."""
    return bool(getattr(args, "prefect", False) or os.environ.get("PREFECT_API_URL", "").strip())


def prefect_environment(verbose: bool) -> None:
    """Before Prefect is imported (it reads them then): telemetry off, and
    its logging at WARNING (INFO with ``-v``) unless the user set it."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")


# Prefect's loggers that report a failed task or flow run (with its traceback).
PREFECT_RUN_LOGGERS = ("prefect.task_runs", "prefect.flow_runs", "prefect.task_engine", "prefect.flow_engine")


class _OneLineFailures(logging.Filter):
    """Without ``-v``: a failed task or flow run that ends the run is said
    once, by the command's own ``newsmill: ...`` line, not in Prefect's
    lines and tracebacks; other error lines of Prefect's (a step that will
    be retried) stay, as one line without the traceback."""

    ENDS_RUN = ("Finished in state Failed", "Encountered exception during execution", "Retries are exhausted",
                "Finished in state Crashed", "exception: CancelledError()")  # (the last: steps cancelled as the run ends)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        if any(text in record.getMessage() for text in self.ENDS_RUN):
            return False
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def quiet_prefect_failures(verbose: bool) -> None:
    """Unless ``verbose``, Prefect's failed-run lines become one line or none
    (:class:`_OneLineFailures`); with ``-v`` they stay as Prefect logs them."""
    if verbose:
        return
    for name in PREFECT_RUN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _OneLineFailures) for f in logger.filters):
            logger.addFilter(_OneLineFailures())


def _hosted(args: argparse.Namespace, local: Callable[[Host], RunReport],
            flow: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """The run's report: ``local(host)`` in this process, or ``flow(flows)``
    as a Prefect flow run (``flows``: :mod:`newsmill.flows.ingest`), with
    Ctrl-C stopping it after the batch in flight either way."""
    from newsmill.cli.interrupt import graceful_sigint

    with graceful_sigint():
        if prefect_wanted(args):
            prefect_environment(args.verbose)
            from newsmill.flows import ingest as flows

            quiet_prefect_failures(args.verbose)
            return flow(flows)
        from newsmill.pipeline.host import LocalHost

        with LocalHost() as host:
            return local(host).to_dict()


def _batch_runner_default() -> str | None:
    """The runner batch commands (import, reprocess) ask their flow for:
    every core (``processes``, as the batch deployments in prefect.yaml)
    when there is more than one; the flow's ``NEWSMILL_TASK_RUNNER``, when
    set, wins over it."""
    many = (os.cpu_count() or 1) > 1 and "forkserver" in multiprocessing.get_all_start_methods()  # the pool's
    return "processes" if many else None


def _boot_workers(runner: str | None) -> None:
    """When the run will extract on local worker processes, start their fork
    server first thing: it imports and warms up the extractors while this
    process imports the rest and reads the input."""
    from newsmill.core.settings import RunnerSettings

    if RunnerSettings.from_env(runner).kind == "processes":
        from newsmill.execution.fork import start_fork_server

        start_fork_server()


def _show_progress() -> bool:
    """Progress bars go to stderr when it is a terminal (``NEWSMILL_PROGRESS=1``
    forces them, ``0`` turns them off)."""
    forced = os.environ.get("NEWSMILL_PROGRESS", "").strip()
    if forced:
        return forced not in ("0", "false", "no")
    return sys.stderr.isatty()


@contextmanager
def progress_bars() -> Iterator[Callable[[str, int, int], None] | None]:
    """rich progress bars on stderr, one per stage the run reports (see
    :mod:`newsmill.pipeline.progress`); nothing when stderr is not a terminal."""
    if not _show_progress():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from newsmill.pipeline import progress

    bars: dict[str, Any] = {}
    with Progress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=False) as bar:
        def update(stage: str, done: int, total: int) -> None:
            if stage not in bars:
                bars[stage] = bar.add_task(stage, total=total or None)
            bar.update(bars[stage], completed=done, total=total or None)

        with progress.listening(update):
            yield update


def cmd_demo(args: argparse.Namespace) -> int:
    check_database(Paths.resolve(args.home).database_url)
    from newsmill.core.settings import RunSettings
    from newsmill.pipeline import runs

    print("newsmill demo: serving the bundled sample news site on loopback and ingesting it")
    report = _hosted(args, lambda host: runs.demo(host, RunSettings.from_env(args.home)),
                     lambda flows: flows.demo(home=args.home))
    if report.get("interrupted"):
        return _outcome("demo", report)
    _print_summary("newsmill demo: done", report)
    if report["failures"]:
        print("\nthe sample site's failures are on purpose (a feed item that answers 404, a video page)")
    print("\nnext: `newsmill export --all | head`, `newsmill stats`, `newsmill failures`")
    return OK


def cmd_run(args: argparse.Namespace) -> int:
    check_sources(args.sources, args.group, args.source or None)
    check_database(Paths.resolve(args.home).database_url)
    from newsmill.core.settings import RunSettings
    from newsmill.pipeline import acquire, runs

    def local(host: Host) -> RunReport:
        plan, chosen = acquire.choose_sources(args.sources, None, args.group, args.source or None)
        return runs.ingest(host, plan, chosen, RunSettings.from_env(args.home))

    report = _hosted(args, local, lambda flows: flows.ingest(sources_file=args.sources, sources=args.source or None,
                                                             group=args.group, home=args.home))
    return _outcome("run", report)


def cmd_import(args: argparse.Namespace) -> int:
    if all(os.path.exists(p) for p in args.paths):  # else check_paths says which is missing
        _boot_workers(_batch_runner_default())
    check_paths(args.paths, "import")
    check_database(Paths.resolve(args.home).database_url)
    from newsmill.core.settings import RunSettings
    from newsmill.pipeline import runs

    paths, runner = [str(p) for p in args.paths], _batch_runner_default()
    with progress_bars():
        report = _hosted(args, lambda host: runs.import_files(
                             host, paths, RunSettings.from_env(args.home, runner=runner), site=args.site,
                             language=args.language),
                         lambda flows: flows.import_files(paths=paths, home=args.home, runner=runner, site=args.site,
                                                          language=args.language))
    return _outcome("import", report)


def cmd_reprocess(args: argparse.Namespace) -> int:
    check_database(Paths.resolve(args.home).database_url)
    _boot_workers(_batch_runner_default())
    from newsmill.core.settings import RunSettings
    from newsmill.pipeline import runs

    since, runner = (args.since.isoformat() if args.since else None), _batch_runner_default()
    with progress_bars():
        report = _hosted(args, lambda host: runs.reprocess(host, args.site, since,
                                                           RunSettings.from_env(args.home, runner=runner)),
                         lambda flows: flows.reprocess(site=args.site, since=since, home=args.home, runner=runner))
    return _outcome("reprocess", report)


def cmd_extract(args: argparse.Namespace) -> int:
    from newsmill.core.errors import ExtractionError
    from newsmill.core.settings import LimitSettings, site_overrides_path
    from newsmill.extractors import ExtractSettings, extract
    from newsmill.pipeline.extraction import site_overrides
    from newsmill.pipeline.inputs import expand_import_paths, read_import_path

    check_paths(args.paths, "extract")
    settings = ExtractSettings(overrides=site_overrides(site_overrides_path()),  # try selectors on saved pages
                               max_elements=LimitSettings.from_env().max_elements)
    out = sys.stdout
    failed = 0
    for item in expand_import_paths(args.paths):
        if isinstance(item, Failure):
            failed += 1
            out.write(json.dumps({"input": item.url, "error": item.to_dict()}, ensure_ascii=False) + "\n")
            continue
        for got in read_import_path(item):
            if isinstance(got, Failure):
                record: dict[str, Any] = {"input": got.url, "error": got.to_dict()}
            else:
                source_path = got.url.removeprefix("file://")
                try:
                    article = extract(got, settings=settings)
                    record = {"input": source_path, **_pre_storage_fields(article.to_dict())}
                except ExtractionError as exc:
                    record = {"input": source_path, "error": {"stage": "extract", "status": exc.status,
                                                              "reason": str(exc)}}
            failed += "error" in record
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    if failed:
        print(f"newsmill extract: {plural(failed, 'file')} gave no article (their lines carry an `error`)",
              file=sys.stderr)
    return SOME_FAILED if failed else OK


def _pre_storage_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The exported fields that exist before storage (no dedup, no archive)."""
    for key in ("duplicate_of", "similarity", "duplicate_passages", "raw"):
        record.pop(key, None)
    return record


__all__ = ["cmd_demo", "cmd_extract", "cmd_import", "cmd_reprocess", "cmd_run", "prefect_environment", "prefect_wanted",
           "progress_bars"]
